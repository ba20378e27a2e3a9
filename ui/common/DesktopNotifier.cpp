#include "ui/common/DesktopNotifier.h"

#include <QApplication>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QSystemTrayIcon>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// The desktop matches notifications to packaging/io.keystead.Keystead.desktop by this name.
constexpr QLatin1StringView kDesktopEntry{"io.keystead.Keystead"};
constexpr int kTrayMessageMs = 8000;

} // namespace

DesktopNotifier::DesktopNotifier(QObject *parent)
    : DesktopNotifier(QDBusConnection::sessionBus(), parent)
{
}

DesktopNotifier::DesktopNotifier(const QDBusConnection &bus, QObject *parent)
    : QObject(parent)
    , m_bus(bus)
{
}

DesktopNotifier::~DesktopNotifier() = default;

DesktopNotifier::Channel DesktopNotifier::notify(const QString &title, const QString &body)
{
    if (!m_bus.isConnected() || m_dbusRefused)
        return showInTray(title, body);

    QDBusMessage call
        = QDBusMessage::createMethodCall(QString(kService), QString(kPath), QString(kInterface), u"Notify"_s);
    const QVariantMap hints{{u"desktop-entry"_s, QString(kDesktopEntry)}, {u"category"_s, u"transfer.complete"_s}};
    call << QApplication::applicationDisplayName() << 0U << QString(kDesktopEntry) << title << body << QStringList()
         << hints << -1;
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, watcher, title, body] {
        watcher->deleteLater();
        const QDBusPendingReply<uint> reply = *watcher;
        if (!reply.isError()) {
            Q_EMIT shown(title, body, Channel::DBus);
            return;
        }
        // No notification service on this bus (or it refused): do not ask it again.
        m_dbusRefused = true;
        showInTray(title, body);
    });
    return Channel::DBus;
}

DesktopNotifier::Channel DesktopNotifier::showInTray(const QString &title, const QString &body)
{
    if (!m_tray && QSystemTrayIcon::isSystemTrayAvailable() && QSystemTrayIcon::supportsMessages()) {
        m_tray = new QSystemTrayIcon(QApplication::windowIcon(), this);
        m_tray->setToolTip(QApplication::applicationDisplayName());
        m_tray->show();
    }
    if (!m_tray) {
        Q_EMIT shown(title, body, Channel::None);
        return Channel::None;
    }
    m_tray->showMessage(title, body, QSystemTrayIcon::Information, kTrayMessageMs);
    Q_EMIT shown(title, body, Channel::Tray);
    return Channel::Tray;
}

} // namespace keystead::ui
