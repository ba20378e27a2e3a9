#include "UiTestSupport.h"

#include "ui/common/DesktopNotifier.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QProcess>
#include <QSignalSpy>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::ui::DesktopNotifier;

namespace {

// What a desktop's notification daemon receives: a receiver on the test's own
// bus, as the webhook tests run their own HTTP receiver.
class NotificationReceiver final : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")

public:
    struct Received
    {
        QString appName;
        QString appIcon;
        QString summary;
        QString body;
        QVariantMap hints;
        int timeout = 0;
    };
    QList<Received> received;

public Q_SLOTS:
    uint Notify(const QString &appName, uint replacesId, const QString &appIcon, const QString &summary,
                const QString &body, const QStringList &actions, const QVariantMap &hints, int timeout)
    {
        Q_UNUSED(replacesId);
        Q_UNUSED(actions);
        received.append({appName, appIcon, summary, body, hints, timeout});
        return static_cast<uint>(received.size());
    }
};

} // namespace

class TestDesktopNotifier final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void reachesTheNotificationService();
    void fallsBackWhenTheServiceIsMissing();
    void withoutABusNothingWaits();

private:
    QProcess m_daemon;
    QString m_address;
};

void TestDesktopNotifier::initTestCase()
{
    // A private session bus: nothing reaches the desktop of whoever runs the tests.
    m_daemon.start(u"dbus-daemon"_s, {u"--session"_s, u"--nofork"_s, u"--print-address=1"_s});
    if (!m_daemon.waitForStarted(10'000))
        QSKIP("dbus-daemon is not installed");
    QTRY_VERIFY_WITH_TIMEOUT(m_daemon.canReadLine(), 10'000);
    m_address = QString::fromLatin1(m_daemon.readLine()).trimmed();
    QVERIFY(m_address.startsWith(u"unix:"_s));
}

void TestDesktopNotifier::cleanupTestCase()
{
    QDBusConnection::disconnectFromBus(u"receiver"_s);
    QDBusConnection::disconnectFromBus(u"sender"_s);
    if (m_daemon.state() != QProcess::NotRunning) {
        m_daemon.terminate();
        if (!m_daemon.waitForFinished(10'000))
            m_daemon.kill();
        m_daemon.waitForFinished(10'000);
    }
}

void TestDesktopNotifier::reachesTheNotificationService()
{
    QDBusConnection receiverBus = QDBusConnection::connectToBus(m_address, u"receiver"_s);
    QVERIFY(receiverBus.isConnected());
    NotificationReceiver receiver;
    QVERIFY(receiverBus.registerObject(QString(DesktopNotifier::kPath), &receiver, QDBusConnection::ExportAllSlots));
    QVERIFY(receiverBus.registerService(QString(DesktopNotifier::kService)));

    const QDBusConnection senderBus = QDBusConnection::connectToBus(m_address, u"sender"_s);
    QVERIFY(senderBus.isConnected());
    DesktopNotifier notifier(senderBus);
    QSignalSpy shown(&notifier, &DesktopNotifier::shown);

    QCOMPARE(notifier.notify(u"Key collected"_s, u"ED25519 key SHA256:abc"_s), DesktopNotifier::Channel::DBus);
    // Returned before the answer: the window never waits for the desktop.
    QCOMPARE(shown.count(), 0);
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(2).value<DesktopNotifier::Channel>(), DesktopNotifier::Channel::DBus);
    QCOMPARE(receiver.received.size(), 1);
    const NotificationReceiver::Received &got = receiver.received.constFirst();
    QCOMPARE(got.summary, u"Key collected"_s);
    QCOMPARE(got.body, u"ED25519 key SHA256:abc"_s);
    QCOMPARE(got.appIcon, u"io.keystead.Keystead"_s);
    QCOMPARE(got.hints.value(u"desktop-entry"_s).toString(), u"io.keystead.Keystead"_s);
    QCOMPARE(got.timeout, -1);

    receiverBus.unregisterService(QString(DesktopNotifier::kService));
    receiverBus.unregisterObject(QString(DesktopNotifier::kPath));
}

void TestDesktopNotifier::fallsBackWhenTheServiceIsMissing()
{
    const QDBusConnection senderBus = QDBusConnection::connectToBus(m_address, u"sender"_s);
    QVERIFY(senderBus.isConnected());
    QVERIFY(!senderBus.interface()->isServiceRegistered(QString(DesktopNotifier::kService)));
    DesktopNotifier notifier(senderBus);
    QSignalSpy shown(&notifier, &DesktopNotifier::shown);

    QCOMPARE(notifier.notify(u"first"_s, u"tried on the bus"_s), DesktopNotifier::Channel::DBus);
    QTRY_COMPARE(shown.count(), 1);
    // Offscreen there is no system tray either: shown nowhere, and said so.
    QCOMPARE(shown.at(0).at(2).value<DesktopNotifier::Channel>(), DesktopNotifier::Channel::None);
    // The bus said no once: it is not asked again.
    QCOMPARE(notifier.notify(u"second"_s, u"straight to the fallback"_s), DesktopNotifier::Channel::None);
    QCOMPARE(shown.count(), 2);
}

void TestDesktopNotifier::withoutABusNothingWaits()
{
    DesktopNotifier notifier(QDBusConnection(u"not connected"_s));
    QSignalSpy shown(&notifier, &DesktopNotifier::shown);
    QCOMPARE(notifier.notify(u"title"_s, u"body"_s), DesktopNotifier::Channel::None);
    QCOMPARE(shown.count(), 1);
}

KEYSTEAD_UI_TEST_MAIN(TestDesktopNotifier)
#include "tst_desktopnotifier.moc"
