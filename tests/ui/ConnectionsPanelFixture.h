#pragma once

// The fixture shared by tst_connectionspanel.cpp and tst_connectiondetail.cpp: what each test starts from.
#include "UiTestSupport.h"

#include "collect/CollectActivitySource.h"
#include "connections/TrailTimestamper.h"
#include "store/Sql.h"
#include "ui/connections/ActivityChart.h"
#include "ui/connections/ConnectionDetail.h"
#include "ui/connections/ConnectionsModel.h"
#include "ui/connections/ConnectionsPanel.h"
#include "ui/shell/MainWindow.h"

#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QScrollBar>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QUuid>

#include <functional>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::ActivityChart;
using keystead::ui::ConnectionDetail;
using keystead::ui::ConnectionsModel;
using keystead::ui::ConnectionsPanel;

namespace connectionsPanelFixtureHelpers {

const QString kConnection = u"connection"_s;
const QString kChannel = u"0"_s;

// What a user's terminal received: colours, a progress line redrawn with
// carriage returns, a typo erased with a backspace, a window title.
const QByteArray kOutput = "\x1b]0;keystead\x07\x1b[1;32mWelcome\x1b[0m to Keystead\r\n"
                           "Progress 10%\rProgress 100%\r\n"
                           "Continue? [y/N] yx\b\x1b[K\r\n";
const QString kReplay = u"Welcome to Keystead\nProgress 100%\nContinue? [y/N] y"_s;

// How long a real ssh client may take to reach a step, or to end.
constexpr int kSshWaitMs = 20'000;

inline bool clickButton(QWidget *dialog, QMessageBox::StandardButton which)
{
    auto *box = qobject_cast<QMessageBox *>(dialog);
    if (!box)
        return false;
    box->button(which)->click();
    return true;
}

} // namespace connectionsPanelFixtureHelpers

using namespace connectionsPanelFixtureHelpers;

class ConnectionsPanelFixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

protected:
    ConnectionService &service() { return *m_core->connections; }
    // Records a connection as the SSH server does: version, keys, login, a session channel with output.
    QString record(const QString &user, const QString &address, bool close, const QByteArray &output = kOutput,
                   qint64 bytesIn = 1200, qint64 bytesOut = 3400);
    // The panel on the records made so far, shown.
    ConnectionsPanel &panel();
    QTableView &view() { return *child<QTableView>(m_panel.get(), u"connections"_s); }
    // Paints the table now, as showing it would: the rows it shows are read.
    void paint();
    QString cell(int row, int column) const { return m_panel->connectionsModel().index(row, column).data().toString(); }
    QStringList column(int column) const;

    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<ConnectionsPanel> m_panel;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

inline void ConnectionsPanelFixture::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    // As the composition wires it: the chart's key counts come from collect/.
    m_core->connections->setCollectedKeyActivity(CollectActivitySource(m_core->store->database()));
}

inline void ConnectionsPanelFixture::cleanup()
{
    m_tester.reset();
    m_panel.reset();
    m_core.reset();
}

inline QString ConnectionsPanelFixture::record(const QString &user, const QString &address, bool close,
                                               const QByteArray &output, qint64 bytesIn, qint64 bytesOut)
{
    ConnectionService &s = service();
    m_core->clock.advanceSeconds(60);
    const QString id = s.opened(address);
    s.event(id, kConnection, u"client-version"_s, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
    const QJsonObject key{{u"algorithm"_s, u"ssh-ed25519"_s},
                          {u"fingerprint"_s, u"SHA256:Jc1nS8qcN1dTp2rrV8zTGU8Gx0bM5eO3pZbQlHf3kQk"_s},
                          {u"proven"_s, false}};
    s.event(id, kConnection, u"key-offered"_s, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", key);
    QJsonObject proven = key;
    proven.insert(u"proven"_s, true);
    s.event(id, kConnection, u"key-proven"_s, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", proven);
    s.event(id, kConnection, u"auth"_s, "success", {{u"method"_s, u"publickey"_s}, {u"user"_s, user}});
    s.authenticated(id, user, QString(), {u"PUBLICKEY"_s});
    m_core->clock.advanceSeconds(1);
    s.event(id, kConnection, u"banner"_s, "Keystead collects your public keys.\r\n");
    s.event(id, kChannel, u"channel-open"_s, {}, {{u"type"_s, u"session"_s}});
    s.event(id, kChannel, u"stdout"_s, output);
    s.event(id, kChannel, u"stdin"_s, "y\r");
    s.traffic(id, bytesIn, bytesOut);
    s.channelTraffic(id, kChannel, u"session"_s, 2, static_cast<qint64>(output.size()));
    if (close) {
        m_core->clock.advanceSeconds(4);
        s.event(id, kChannel, u"channel-close"_s, {});
        s.event(id, kConnection, u"disconnect"_s, "client disconnected");
        s.closed(id, u"client disconnected"_s);
    }
    return id;
}

inline ConnectionsPanel &ConnectionsPanelFixture::panel()
{
    if (!m_panel) {
        m_panel = std::make_unique<ConnectionsPanel>(m_core->connectionsPanelServices());
        m_tester = std::make_unique<QAbstractItemModelTester>(&m_panel->connectionsModel(),
                                                              QAbstractItemModelTester::FailureReportingMode::QtTest);
        m_panel->resize(1100, 700);
        m_panel->show();
        if (!QTest::qWaitForWindowExposed(m_panel.get()))
            qWarning("the panel was not exposed");
    }
    return *m_panel;
}

inline void ConnectionsPanelFixture::paint()
{
    view().viewport()->repaint();
}

inline QStringList ConnectionsPanelFixture::column(int column) const
{
    QStringList values;
    const ConnectionsModel &model = m_panel->connectionsModel();
    for (int row = 0; row < model.rowCount(); ++row)
        values.append(model.index(row, column).data().toString());
    return values;
}
