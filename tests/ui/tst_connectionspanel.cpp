#include "UiTestSupport.h"

#include "collect/CollectActivitySource.h"
#include "connections/TrailTimestamper.h"
#include "store/Sql.h"
#include "ui/connections/ActivityChart.h"
#include "ui/connections/ConnectionDetail.h"
#include "ui/connections/ConnectionsModel.h"
#include "ui/connections/ConnectionsPanel.h"
#include "ui/shell/MainWindow.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
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

namespace {

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

template <typename T>
T *child(QObject *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qWarning("no child %s", qPrintable(name));
    return found;
}

// Answers whatever modal dialog comes up while `action` runs; returns how many it answered.
int answeringDialogs(const std::function<void()> &action, const std::function<bool(QWidget *)> &answer)
{
    int answered = 0;
    QTimer poll;
    poll.setInterval(20);
    QObject::connect(&poll, &QTimer::timeout, [&] {
        QWidget *modal = QApplication::activeModalWidget();
        if (modal && modal->isVisible() && answer(modal))
            ++answered;
    });
    poll.start();
    action();
    return answered;
}

bool clickButton(QWidget *dialog, QMessageBox::StandardButton which)
{
    auto *box = qobject_cast<QMessageBox *>(dialog);
    if (!box)
        return false;
    box->button(which)->click();
    return true;
}

} // namespace

// The connections panel, offscreen, on a real store: records made through the
// service's recorder calls as the SSH server makes them (so trails are real
// hash chains), the lazy model under QAbstractItemModelTester throughout.
class TestConnectionsPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void showsTheRecords();
    void readsPagesLazily();
    void sortingByAHeaderQueriesAgain();
    void searchNarrowsTheRows();
    void statusFilterNarrowsTheRows();
    void recorderUpdatesTheVisibleRow();
    void newConnectionArrivesAtTheTop();
    void newConnectionInAnotherOrderRereadsTheRows();
    void durationTicksForLiveRows();
    void detailShowsTrailAndTerminal();
    void terminalReplayDropsEscapes();
    void verifyReportsIntactThenBroken();
    void verifyBannerNamesTheSignedCheckpoints();
    void exportWritesTheJsonlDownload();
    void tagsAreSaved();
    void disconnectWithoutALiveConnectionShowsTheError();
    void disconnectButtonAsksFirst();
    void disconnectEndsARealClient();
    void chartCountsConnectionsAndKeys();
    void chartRangesHaveTheirBuckets();
    void mainWindowShowsThePanel();

private:
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

void TestConnectionsPanel::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    // As the composition wires it: the chart's key counts come from collect/.
    m_core->connections->setCollectedKeyActivity(CollectActivitySource(m_core->store->database()));
}

void TestConnectionsPanel::cleanup()
{
    m_tester.reset();
    m_panel.reset();
    m_core.reset();
}

QString TestConnectionsPanel::record(const QString &user, const QString &address, bool close, const QByteArray &output,
                                     qint64 bytesIn, qint64 bytesOut)
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

ConnectionsPanel &TestConnectionsPanel::panel()
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

void TestConnectionsPanel::paint()
{
    view().viewport()->repaint();
}

QStringList TestConnectionsPanel::column(int column) const
{
    QStringList values;
    const ConnectionsModel &model = m_panel->connectionsModel();
    for (int row = 0; row < model.rowCount(); ++row)
        values.append(model.index(row, column).data().toString());
    return values;
}

void TestConnectionsPanel::showsTheRecords()
{
    const QString alice = record(u"alice"_s, u"192.0.2.10"_s, true, kOutput, 2048, 4096);
    const QString bob = record(u"bob"_s, u"198.51.100.7"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());

    ConnectionsModel &model = panel().connectionsModel();
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(ConnectionsModel::ColumnCount));
    // Newest first.
    QCOMPARE(model.index(0, 0).data(ConnectionsModel::IdRole).toString(), bob);
    QCOMPARE(model.index(1, 0).data(ConnectionsModel::IdRole).toString(), alice);
    QCOMPARE(cell(0, ConnectionsModel::Status), u"connected"_s);
    QCOMPARE(cell(1, ConnectionsModel::Status), u"disconnected"_s);
    QCOMPARE(cell(1, ConnectionsModel::User), u"alice"_s);
    QCOMPARE(cell(1, ConnectionsModel::RemoteAddress), u"192.0.2.10"_s);
    QCOMPARE(cell(1, ConnectionsModel::BytesIn), ConnectionsModel::bytesText(2048));
    QCOMPARE(cell(1, ConnectionsModel::BytesOut), ConnectionsModel::bytesText(4096));
    QCOMPARE(model.index(1, ConnectionsModel::BytesIn).data(ConnectionsModel::SortRole).toLongLong(), 2048);
    // alice connected, a second later the channel opened, four seconds later she left.
    QCOMPARE(cell(1, ConnectionsModel::Duration), u"0:00:05"_s);
    QCOMPARE(cell(1, ConnectionsModel::Connected),
             service().get(alice)->connected.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s));
    QCOMPARE(child<QLabel>(m_panel.get(), u"connectionCount"_s)->text(), u"2 connections"_s);
    QVERIFY(m_panel->errorText().isEmpty());
}

void TestConnectionsPanel::readsPagesLazily()
{
    // Generated records, written in bulk: the table's size is what matters here, not their trails.
    constexpr int total = 5000;
    QList<ConnectionRecord> records;
    const QDateTime start = m_core->clock.now();
    for (int i = 0; i < total; ++i) {
        ConnectionRecord r;
        r.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        r.proxyId = service().proxyId();
        r.userDisplayName = u"user%1"_s.arg(i, 4, 10, QLatin1Char('0'));
        r.remoteAddress = u"10.0.%1.%2"_s.arg(i / 250).arg(i % 250);
        r.connected = start.addSecs(i);
        r.disconnected = r.connected.addSecs(30);
        r.lastActivity = r.disconnected;
        r.status = ConnectionStatus::Disconnected;
        r.created = r.connected;
        r.updated = r.disconnected;
        r.bytesIn = i;
        r.bytesOut = 2 * i;
        records.append(r);
    }
    KEYSTEAD_VERIFY_OK(service().insertRecords(records));
    m_core->clock.advanceSeconds(total);

    ConnectionsPanel &shown = panel();
    ConnectionsModel &model = shown.connectionsModel();
    paint();
    // Every row is counted, few are read: the first page, which holds what the view shows.
    QCOMPARE(model.rowCount(), total);
    QVERIFY(!model.canFetchMore({}));
    QVERIFY2(model.loadedRowCount() <= 2 * ConnectionsModel::kPageSize,
             qPrintable(QString::number(model.loadedRowCount())));
    QVERIFY(model.isLoaded(0));
    QVERIFY(!model.isLoaded(total / 2));
    QVERIFY(!model.isLoaded(total - 1));
    QCOMPARE(cell(0, ConnectionsModel::User), u"user4999"_s);

    // Scrolled to the end: the last page is read, the middle still is not.
    view().scrollToBottom();
    paint();
    QVERIFY(model.isLoaded(total - 1));
    QVERIFY(!model.isLoaded(total / 2));
    QCOMPARE(cell(total - 1, ConnectionsModel::User), u"user0000"_s);

    // From top to bottom a screen at a time: the memory stays bounded and every screen is read.
    QScrollBar *bar = view().verticalScrollBar();
    int screens = 0;
    for (int value = 0; value <= bar->maximum() && screens < 2000; value += bar->pageStep(), ++screens) {
        bar->setValue(value);
        paint();
        const int top = view().rowAt(0);
        QVERIFY(top >= 0);
        QVERIFY2(model.isLoaded(top), qPrintable(QString::number(top)));
        QVERIFY(model.loadedPageCount() <= ConnectionsModel::kMaxCachedPages);
    }
    QVERIFY(screens > 10);
    QVERIFY(model.loadedRowCount() <= ConnectionsModel::kMaxCachedPages * ConnectionsModel::kPageSize);
    QVERIFY(model.loadedRowCount() < total);
    // Read in pages, about one per kPageSize rows passed.
    QVERIFY2(model.pagesRead() <= total / ConnectionsModel::kPageSize + 5,
             qPrintable(QString::number(model.pagesRead())));
}

void TestConnectionsPanel::sortingByAHeaderQueriesAgain()
{
    record(u"carol"_s, u"203.0.113.5"_s, true, kOutput, 300, 10);
    record(u"alice"_s, u"192.0.2.10"_s, true, kOutput, 100, 30);
    record(u"bob"_s, u"198.51.100.7"_s, true, kOutput, 200, 20);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsModel &model = panel().connectionsModel();
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"bob"_s, u"alice"_s, u"carol"_s}));

    QSignalSpy reset(&model, &ConnectionsModel::modelReset);
    QHeaderView *header = view().horizontalHeader();
    header->setSortIndicator(ConnectionsModel::User, Qt::AscendingOrder);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.sortColumn(), int(ConnectionsModel::User));
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"alice"_s, u"bob"_s, u"carol"_s}));
    header->setSortIndicator(ConnectionsModel::User, Qt::DescendingOrder);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"carol"_s, u"bob"_s, u"alice"_s}));
    header->setSortIndicator(ConnectionsModel::BytesOut, Qt::AscendingOrder);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"carol"_s, u"bob"_s, u"alice"_s}));
    header->setSortIndicator(ConnectionsModel::RemoteAddress, Qt::AscendingOrder);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"alice"_s, u"bob"_s, u"carol"_s}));

    // The tags cannot be sorted by: the order and the arrow stay.
    const int resets = static_cast<int>(reset.count());
    header->setSortIndicator(ConnectionsModel::Tags, Qt::AscendingOrder);
    QCOMPARE(reset.count(), resets);
    QCOMPARE(header->sortIndicatorSection(), int(ConnectionsModel::RemoteAddress));
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"alice"_s, u"bob"_s, u"carol"_s}));
    QVERIFY(m_panel->errorText().isEmpty());
}

void TestConnectionsPanel::searchNarrowsTheRows()
{
    record(u"alice"_s, u"192.0.2.10"_s, true);
    const QString bob = record(u"bob"_s, u"198.51.100.7"_s, true);
    record(u"carol"_s, u"192.0.2.99"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    KEYSTEAD_VERIFY_OK(service().setTags(bob, {u"contractor"_s}, Actor::console()));
    ConnectionsModel &model = panel().connectionsModel();
    QCOMPARE(model.rowCount(), 3);

    // Typed: the search runs once the typing pauses.
    auto *search = child<QLineEdit>(m_panel.get(), u"search"_s);
    QSignalSpy reset(&model, &ConnectionsModel::modelReset);
    QTest::keyClicks(search, u"192.0.2"_s);
    QCOMPARE(reset.count(), 0);
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.keywords(), u"192.0.2"_s);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"carol"_s, u"alice"_s}));

    // Every keyword must match.
    search->setText(u"192.0.2 carol"_s);
    m_panel->applySearch();
    QCOMPARE(column(ConnectionsModel::User), QStringList{u"carol"_s});

    search->setText(u"contractor"_s);
    m_panel->applySearch();
    QCOMPARE(column(ConnectionsModel::User), QStringList{u"bob"_s});
    QCOMPARE(child<QLabel>(m_panel.get(), u"connectionCount"_s)->text(), u"1 connection"_s);

    search->setText(u"nobody-matches-this"_s);
    m_panel->applySearch();
    QCOMPARE(model.rowCount(), 0);

    search->clear();
    m_panel->applySearch();
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(m_panel->errorText().isEmpty());
}

void TestConnectionsPanel::statusFilterNarrowsTheRows()
{
    record(u"alice"_s, u"192.0.2.10"_s, true);
    record(u"bob"_s, u"198.51.100.7"_s, false);
    record(u"carol"_s, u"192.0.2.99"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsModel &model = panel().connectionsModel();
    auto *filter = child<QComboBox>(m_panel.get(), u"statusFilter"_s);
    QCOMPARE(model.rowCount(), 3);

    filter->setCurrentIndex(filter->findData(static_cast<int>(ConnectionsModel::StatusFilter::Connected)));
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"carol"_s, u"bob"_s}));
    filter->setCurrentIndex(filter->findData(static_cast<int>(ConnectionsModel::StatusFilter::Disconnected)));
    QCOMPARE(column(ConnectionsModel::User), QStringList{u"alice"_s});
    filter->setCurrentIndex(filter->findData(static_cast<int>(ConnectionsModel::StatusFilter::All)));
    QCOMPARE(model.rowCount(), 3);
}

void TestConnectionsPanel::recorderUpdatesTheVisibleRow()
{
    const QString live = record(u"alice"_s, u"192.0.2.10"_s, false, kOutput, 100, 200);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsModel &model = panel().connectionsModel();
    QCOMPARE(model.rowOf(live), 0);
    QCOMPARE(cell(0, ConnectionsModel::BytesIn), ConnectionsModel::bytesText(100));
    QVERIFY(m_panel->selectConnection(live));

    QSignalSpy changed(&model, &ConnectionsModel::dataChanged);
    QSignalSpy reset(&model, &ConnectionsModel::modelReset);
    m_core->clock.advanceSeconds(3);
    service().traffic(live, 50'000, 90'000);
    service().event(live, kChannel, u"stdout"_s, "more output\r\n");
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_VERIFY(!changed.isEmpty());
    QCOMPARE(reset.count(), 0); // in place, not read again from the top
    QCOMPARE(changed.constFirst().at(0).toModelIndex().row(), 0);
    QCOMPARE(cell(0, ConnectionsModel::BytesIn), ConnectionsModel::bytesText(50'000));
    QCOMPARE(cell(0, ConnectionsModel::BytesOut), ConnectionsModel::bytesText(90'000));
    // The detail of the selected connection follows too.
    QTRY_VERIFY(m_panel->detail().terminalText().endsWith(u"more output"_s));
    QCOMPARE(m_panel->detail().record().bytesIn, 50'000);

    // It ends: the row says so.
    service().closed(live, u"client disconnected"_s);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_COMPARE(cell(0, ConnectionsModel::Status), u"disconnected"_s);
}

void TestConnectionsPanel::newConnectionArrivesAtTheTop()
{
    const QString first = record(u"alice"_s, u"192.0.2.10"_s, true);
    const QString second = record(u"bob"_s, u"198.51.100.7"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsModel &model = panel().connectionsModel();
    QVERIFY(m_panel->selectConnection(first));
    QCOMPARE(model.rowCount(), 2);

    QSignalSpy inserted(&model, &ConnectionsModel::rowsInserted);
    QSignalSpy reset(&model, &ConnectionsModel::modelReset);
    const QString third = record(u"carol"_s, u"203.0.113.5"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.constFirst().at(1).toInt(), 0);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(model.index(0, 0).data(ConnectionsModel::IdRole).toString(), third);
    QCOMPARE(model.index(1, 0).data(ConnectionsModel::IdRole).toString(), second);
    // The selection stays on the connection, not on the row number.
    QCOMPARE(m_panel->selectedConnectionId(), first);
    QCOMPARE(m_panel->detail().connectionId(), first);
    QCOMPARE(child<QLabel>(m_panel.get(), u"connectionCount"_s)->text(), u"3 connections"_s);

    // Its later events change its row, they do not add it again.
    service().traffic(third, 10, 20);
    KEYSTEAD_VERIFY_OK(service().flush());
    QCoreApplication::processEvents();
    QCOMPARE(model.rowCount(), 3);

    // Under "Connected", a connection that ends leaves the list.
    auto *filter = child<QComboBox>(m_panel.get(), u"statusFilter"_s);
    filter->setCurrentIndex(filter->findData(static_cast<int>(ConnectionsModel::StatusFilter::Connected)));
    QCOMPARE(model.rowCount(), 1);
    QSignalSpy removed(&model, &ConnectionsModel::rowsRemoved);
    service().closed(third, u"client disconnected"_s);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_COMPARE(model.rowCount(), 0);
    QCOMPARE(removed.count(), 1);
}

void TestConnectionsPanel::newConnectionInAnotherOrderRereadsTheRows()
{
    const QString bob = record(u"bob"_s, u"198.51.100.7"_s, true);
    record(u"dave"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsModel &model = panel().connectionsModel();
    view().horizontalHeader()->setSortIndicator(ConnectionsModel::User, Qt::AscendingOrder);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"bob"_s, u"dave"_s}));
    QVERIFY(m_panel->selectConnection(bob));

    QSignalSpy reread(&model, &ConnectionsModel::rowsReread);
    record(u"alice"_s, u"203.0.113.5"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(reread.count(), 1);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"alice"_s, u"bob"_s, u"dave"_s}));
    // The selected connection moved a row down; the selection went with it.
    QCOMPARE(m_panel->selectedConnectionId(), bob);
}

void TestConnectionsPanel::durationTicksForLiveRows()
{
    const QString done = record(u"alice"_s, u"192.0.2.10"_s, true);
    const QString live = record(u"bob"_s, u"198.51.100.7"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsModel &model = panel().connectionsModel();
    const int liveRow = model.rowOf(live);
    const int doneRow = model.rowOf(done);
    QCOMPARE(cell(liveRow, ConnectionsModel::Duration), u"0:00:01"_s);
    QCOMPARE(cell(doneRow, ConnectionsModel::Duration), u"0:00:05"_s);
    QVERIFY(m_panel->selectConnection(live));

    QSignalSpy changed(&model, &ConnectionsModel::dataChanged);
    QSignalSpy reset(&model, &ConnectionsModel::modelReset);
    const int pagesRead = model.pagesRead();
    m_core->clock.advanceSeconds(3600 + 64);
    model.tick();
    QCOMPARE(changed.count(), 1);
    const QModelIndex topLeft = changed.constFirst().at(0).toModelIndex();
    const QModelIndex bottomRight = changed.constFirst().at(1).toModelIndex();
    QCOMPARE(topLeft.column(), int(ConnectionsModel::Duration));
    QCOMPARE(bottomRight.column(), int(ConnectionsModel::Duration));
    QVERIFY(topLeft.row() <= liveRow && liveRow <= bottomRight.row());
    QVERIFY(doneRow < topLeft.row() || doneRow > bottomRight.row());
    QCOMPARE(cell(liveRow, ConnectionsModel::Duration), u"1:01:05"_s);
    QCOMPARE(cell(doneRow, ConnectionsModel::Duration), u"0:00:05"_s);
    // From memory: no query ran.
    QCOMPARE(model.pagesRead(), pagesRead);
    QCOMPARE(reset.count(), 0);

    m_core->clock.advanceSeconds(2 * 86400);
    model.tick();
    QCOMPARE(cell(liveRow, ConnectionsModel::Duration), u"2 d 1:01:05"_s);
    // The detail ticks as well.
    QTRY_COMPARE(child<QLabel>(&m_panel->detail(), u"fieldDuration"_s)->text(), u"2 d 1:01:05"_s);
}

void TestConnectionsPanel::detailShowsTrailAndTerminal()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QCOMPARE(detail.connectionId(), id);
    QCOMPARE(child<QStackedWidget>(m_panel.get(), u"detailStack"_s)->currentWidget(), &detail);
    QCOMPARE(child<QLabel>(&detail, u"fieldUser"_s)->text(), u"alice"_s);
    QCOMPARE(child<QLabel>(&detail, u"fieldRemoteAddress"_s)->text(), u"192.0.2.10"_s);
    QCOMPARE(child<QLabel>(&detail, u"fieldClientVersion"_s)->text(), u"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"_s);
    QCOMPARE(child<QLabel>(&detail, u"fieldMethods"_s)->text(), u"PUBLICKEY"_s);
    QVERIFY(child<QLabel>(&detail, u"fieldDisconnected"_s)->text().contains(u"client disconnected"_s));

    const Result<QList<TrailEvent>> trail = service().trail(id);
    KEYSTEAD_VERIFY_OK(trail);
    QCOMPARE(detail.trailEvents().size(), trail->size());
    QCOMPARE(detail.timelineRowCount(), static_cast<int>(trail->size()));
    auto *timeline = child<QTreeWidget>(&detail, u"trail"_s);
    QStringList types;
    QStringList summaries;
    for (int row = 0; row < timeline->topLevelItemCount(); ++row) {
        types.append(timeline->topLevelItem(row)->text(ConnectionDetail::EventColumn));
        summaries.append(timeline->topLevelItem(row)->text(ConnectionDetail::SummaryColumn));
    }
    QCOMPARE(types,
             (QStringList{u"client-version"_s, u"key-offered"_s, u"key-proven"_s, u"auth"_s, u"banner"_s,
                          u"channel-open"_s, u"stdout"_s, u"stdin"_s, u"channel-close"_s, u"disconnect"_s}));
    QCOMPARE(summaries.at(1), u"ssh-ed25519 SHA256:Jc1nS8qcN1dTp2rrV8zTGU8Gx0bM5eO3pZbQlHf3kQk · not proven"_s);
    QCOMPARE(summaries.at(2), u"ssh-ed25519 SHA256:Jc1nS8qcN1dTp2rrV8zTGU8Gx0bM5eO3pZbQlHf3kQk · proven"_s);
    QCOMPARE(summaries.at(4), u"Keystead collects your public keys.⏎"_s);
    QCOMPARE(summaries.at(7), u"y⏎"_s); // what the user typed
    QVERIFY2(summaries.at(6).startsWith(u"^[]0;keystead^G^[[1;32mWelcome"_s), qPrintable(summaries.at(6)));
    QCOMPARE(timeline->topLevelItem(1)->text(ConnectionDetail::ChannelColumn), kConnection);
    QCOMPARE(timeline->topLevelItem(6)->text(ConnectionDetail::ChannelColumn), kChannel);

    QCOMPARE(detail.terminalText(), kReplay);
    auto *terminal = child<QPlainTextEdit>(&detail, u"terminal"_s);
    QVERIFY(terminal->isReadOnly());
    QVERIFY(!terminal->toPlainText().contains(QChar(0x1b)));

    // One channel at a time.
    detail.setTrailChannel(kConnection);
    QCOMPARE(detail.timelineRowCount(), 6);
    QCOMPARE(detail.terminalText(), QString());
    detail.setTrailChannel(kChannel);
    QCOMPARE(detail.timelineRowCount(), 4);
    QCOMPARE(detail.terminalText(), kReplay);

    // Nothing selected: the empty state again.
    view().clearSelection();
    QCOMPARE(child<QStackedWidget>(m_panel.get(), u"detailStack"_s)->currentIndex(), 0);
    QVERIFY(detail.connectionId().isEmpty());
}

void TestConnectionsPanel::terminalReplayDropsEscapes()
{
    QCOMPARE(ConnectionDetail::renderTerminal(kOutput), kReplay);
    QCOMPARE(ConnectionDetail::renderTerminal("plain"), u"plain"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("a\tb"), u"a       b"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("abc\x1b[2Dx"), u"axc"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("abcdef\r\x1b[3Cx\x1b[K"), u"abcx"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("one\r\ntwo\n"), u"one\ntwo"_s);
    QCOMPARE(ConnectionDetail::renderTerminal("caf\xc3\xa9 \x1b(B\x1b[?25lok"), u"café ok"_s);
    // A sequence cut off at the end shows nothing of itself.
    QCOMPARE(ConnectionDetail::renderTerminal("done\x1b[1;3"), u"done"_s);
}

void TestConnectionsPanel::verifyReportsIntactThenBroken()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QVERIFY(detail.verificationText().isEmpty());

    child<QPushButton>(&detail, u"verifyTrail"_s)->click();
    QVERIFY2(detail.verificationText().contains(u"intact"_s), qPrintable(detail.verificationText()));
    QVERIFY(detail.verificationText().contains(u"10 records"_s));

    // Someone edits what the user typed, by hand, in the database.
    Result<QSqlQuery> changed = sql::exec(
        m_core->store->database().connection(),
        u"UPDATE trail_events SET data = ? WHERE connection_id = ? AND sequence = 8"_s, {QByteArray("n\r"), id});
    KEYSTEAD_VERIFY_OK(changed);
    QCOMPARE(changed->numRowsAffected(), 1);
    const Result<TrailVerification> verified = detail.verifyTrail();
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY(!verified->intact);
    QCOMPARE(verified->brokenAtSequence, 8);
    const QString shown = detail.verificationText();
    QVERIFY2(shown.contains(u"BROKEN at record 8"_s), qPrintable(shown));
    auto *label = child<QLabel>(&detail, u"verifyResult"_s);
    QVERIFY(label->isVisible());
    QVERIFY(label->font().bold());
    // The broken record is the one the timeline points at.
    auto *timeline = child<QTreeWidget>(&detail, u"trail"_s);
    QVERIFY(timeline->currentItem());
    QCOMPARE(timeline->currentItem()->data(ConnectionDetail::TimeColumn, Qt::UserRole).toLongLong(), 8);

    // Another connection: the answer is not carried over.
    const QString other = record(u"bob"_s, u"198.51.100.7"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_VERIFY(m_panel->selectConnection(other));
    QVERIFY(detail.verificationText().isEmpty());
}

void TestConnectionsPanel::verifyBannerNamesTheSignedCheckpoints()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QVERIFY(detail.verifyTrail());
    QVERIFY2(detail.verificationText().contains(u"No signed checkpoint"_s), qPrintable(detail.verificationText()));

    TrailTimestamper timestamper(m_core->store->database(), m_core->clock, *m_core->vault, service());
    const Result<int> made = timestamper.signNow();
    KEYSTEAD_VERIFY_OK(made);
    QCOMPARE(made.value(), 1);
    QVERIFY(detail.verifyTrail()->intact);
    QVERIFY2(detail.verificationText().contains(u"1 signed checkpoint(s) verified"_s),
             qPrintable(detail.verificationText()));

    // The checkpoint's signature forged: the banner says the trail differs from what was signed.
    Database &database = m_core->store->database();
    KEYSTEAD_VERIFY_OK(sql::exec(database.connection(),
                                 u"CREATE TABLE forged AS SELECT * FROM trail_checkpoints WHERE connection_id = ?"_s,
                                 {id}));
    KEYSTEAD_VERIFY_OK(
        sql::exec(database.connection(), u"DELETE FROM trail_checkpoints WHERE connection_id = ?"_s, {id}));
    KEYSTEAD_VERIFY_OK(sql::exec(database.connection(),
                                 u"INSERT INTO trail_checkpoints SELECT connection_id, sequence, trail_head, signed_at,"
                                 " key_fingerprint, 'AAAA' || substr(signature, 5) FROM forged"_s));
    const Result<TrailVerification> verified = detail.verifyTrail();
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY(!verified->intact);
    QVERIFY2(detail.verificationText().contains(u"signed checkpoint"_s), qPrintable(detail.verificationText()));
    QVERIFY(detail.verificationText().contains(u"does not verify"_s));
}

void TestConnectionsPanel::exportWritesTheJsonlDownload()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    const auto download = [this, &id](const QString &channel) {
        const Result<QByteArray> log = service().trailLog(id, channel, TrailLogFormat::Jsonl);
        return log ? log.value() : QByteArray();
    };
    const auto read = [](const QString &path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };

    // One channel: exactly that channel's log, as the HTTP download serves it.
    detail.setTrailChannel(kChannel);
    const QString channelPath = dir.filePath(u"channel.jsonl"_s);
    KEYSTEAD_VERIFY_OK(detail.exportTrail(channelPath));
    const QByteArray expected = download(kChannel);
    QVERIFY(!expected.isEmpty());
    QCOMPARE(read(channelPath), expected);
    QCOMPARE(read(channelPath).count('\n'), 4);

    // Every channel: each channel's lines, in the order of the trail.
    detail.setTrailChannel({});
    const QString allPath = dir.filePath(u"all.jsonl"_s);
    KEYSTEAD_VERIFY_OK(detail.exportTrail(allPath));
    const QList<QByteArray> lines = read(allPath).split('\n');
    QCOMPARE(lines.size(), 11); // ten events and the final newline
    QVERIFY(lines.constLast().isEmpty());
    QSet<QByteArray> exported(lines.cbegin(), lines.cend() - 1);
    QSet<QByteArray> downloaded;
    for (const QString &channel : {kConnection, kChannel}) {
        for (const QByteArray &line : download(channel).split('\n')) {
            if (!line.isEmpty())
                downloaded.insert(line);
        }
    }
    QCOMPARE(exported, downloaded);
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        const QJsonObject event = QJsonDocument::fromJson(lines.at(i)).object();
        QCOMPARE(event.value(u"sequence"_s).toInteger(), i + 1);
    }
    QCOMPARE(QJsonDocument::fromJson(lines.at(7)).object().value(u"data"_s).toString(), u"y\r"_s);

    // A file that cannot be written says so.
    const Status failed = detail.exportTrail(dir.filePath(u"missing/dir/trail.jsonl"_s));
    QVERIFY(!failed);
    QVERIFY(!detail.errorText().isEmpty());
}

void TestConnectionsPanel::tagsAreSaved()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    auto *tags = child<QLineEdit>(&detail, u"tags"_s);
    auto *save = child<QPushButton>(&detail, u"saveTags"_s);
    QVERIFY(!save->isEnabled());

    tags->selectAll();
    QTest::keyClicks(tags, u"audit, contractor , audit,"_s);
    QVERIFY(save->isEnabled());
    save->click();
    QVERIFY2(detail.errorText().isEmpty(), qPrintable(detail.errorText()));
    const Result<ConnectionRecord> stored = service().get(id);
    KEYSTEAD_VERIFY_OK(stored);
    QStringList storedTags = stored->tags;
    storedTags.sort();
    QCOMPARE(storedTags, (QStringList{u"audit"_s, u"contractor"_s}));
    QCOMPARE(tags->text(), u"audit, contractor"_s);
    QVERIFY(!save->isEnabled());
    // The row shows them once the service announces the change.
    QTRY_VERIFY(cell(0, ConnectionsModel::Tags).contains(u"contractor"_s));

    // Recorded as done from the console.
    AuditQuery query;
    query.action = u"connection.tags"_s;
    const Result<QList<AuditEvent>> audited = m_core->audit->list(query);
    KEYSTEAD_VERIFY_OK(audited);
    QCOMPARE(audited->size(), 1);
    QCOMPARE(audited->constFirst().subjectId, id);
    QCOMPARE(audited->constFirst().actor.kind, Actor::console().kind);

    // Emptied: no tags.
    tags->clear();
    KEYSTEAD_VERIFY_OK(detail.saveTags());
    QVERIFY(service().get(id)->tags.isEmpty());
}

void TestConnectionsPanel::disconnectWithoutALiveConnectionShowsTheError()
{
    // Recorded as connected, but no SSH server runs here to end it.
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    QVERIFY(child<QPushButton>(&detail, u"disconnect"_s)->isEnabled());

    const Status ended = detail.disconnectConnection();
    QVERIFY(!ended);
    QCOMPARE(ended.error().kind, Error::Kind::Conflict);
    QCOMPARE(detail.errorText(), ended.error().message);
    QVERIFY(!detail.errorText().isEmpty());

    // A past connection cannot be ended at all.
    const QString past = record(u"bob"_s, u"198.51.100.7"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_VERIFY(m_panel->selectConnection(past));
    QVERIFY(!child<QPushButton>(&detail, u"disconnect"_s)->isEnabled());
    const Status again = detail.disconnectConnection();
    QVERIFY(!again);
    QCOMPARE(again.error().kind, Error::Kind::Conflict);
}

void TestConnectionsPanel::disconnectButtonAsksFirst()
{
    const QString id = record(u"alice"_s, u"192.0.2.10"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    QVERIFY(panel().selectConnection(id));
    ConnectionDetail &detail = m_panel->detail();
    auto *button = child<QPushButton>(&detail, u"disconnect"_s);

    QString question;
    QCOMPARE(answeringDialogs([button] { button->click(); },
                              [&question](QWidget *dialog) {
                                  question = qobject_cast<QMessageBox *>(dialog)->text();
                                  return clickButton(dialog, QMessageBox::Cancel);
                              }),
             1);
    QVERIFY2(question.contains(u"alice"_s), qPrintable(question));
    QVERIFY(detail.errorText().isEmpty()); // not asked of the service

    QCOMPARE(answeringDialogs([button] { button->click(); },
                              [](QWidget *dialog) { return clickButton(dialog, QMessageBox::Yes); }),
             1);
    QVERIFY(!detail.errorText().isEmpty()); // asked, and the service said why not
}

void TestConnectionsPanel::disconnectEndsARealClient()
{
    for (const QString &tool : {u"ssh"_s, u"ssh-keygen"_s})
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), qPrintable(tool + u" is needed"_s));
    QTemporaryDir home;
    QTemporaryDir serverData;
    QVERIFY(home.isValid() && serverData.isValid());
    const QString keyPath = home.filePath(u"id_ed25519"_s);
    QProcess keygen;
    keygen.start(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-f"_s, keyPath});
    QVERIFY(keygen.waitForFinished(60'000) && keygen.exitStatus() == QProcess::NormalExit && keygen.exitCode() == 0);

    // A session that asks the user to confirm: the client waits at the prompt until it is ended.
    CollectSessionInput input;
    input.mustConfirm = true;
    const Result<CollectSession> session = m_core->collect->create(input);
    KEYSTEAD_VERIFY_OK(session);
    CollectServer &server = *m_core->collectServer;
    auto stopServer = qScopeGuard([&server] { server.stop(); });
    CollectServerConfig config;
    config.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    config.dataDir = serverData.path();
    KEYSTEAD_VERIFY_OK(server.start(config));

    // Open before the client connects, so the row arrives live.
    ConnectionsModel &model = panel().connectionsModel();
    QCOMPARE(model.rowCount(), 0);
    // The model takes as new what connected after its query; this clock moves only when told.
    m_core->clock.advanceSeconds(1);

    QProcess client;
    auto stopClient = qScopeGuard([&client] {
        if (client.state() != QProcess::NotRunning) {
            client.kill();
            client.waitForFinished(10'000);
        }
    });
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"HOME"_s, home.path());
    for (const QString &name : {u"SSH_AUTH_SOCK"_s, u"SSH_AGENT_PID"_s, u"SSH_ASKPASS"_s, u"DISPLAY"_s})
        environment.remove(name);
    client.setProcessEnvironment(environment);
    // Its input stays open and nothing is written to it: the user never types the y.
    client.start(u"ssh"_s,
                 {u"-F"_s, u"none"_s, u"-p"_s, QString::number(server.boundPort()), u"-o"_s,
                  u"StrictHostKeyChecking=no"_s, u"-o"_s, u"UserKnownHostsFile=/dev/null"_s, u"-o"_s,
                  u"BatchMode=yes"_s, u"-o"_s, u"IdentitiesOnly=yes"_s, u"-o"_s, u"ConnectTimeout=20"_s, u"-i"_s,
                  keyPath, session->connectionIdentifier + u"@127.0.0.1"_s});
    QVERIFY(client.waitForStarted(10'000));
    QByteArray shown;
    const auto atPrompt = [&client, &shown] {
        shown += client.readAllStandardOutput();
        return shown.contains("Type y and press Enter");
    };
    QTRY_VERIFY2_WITH_TIMEOUT(atPrompt(), shown.constData(), kSshWaitMs);

    // What the server reported reaches the store when the service writes it; then the row appears.
    const auto liveRowShown = [this, &model] {
        if (Status flushed = service().flush(); !flushed)
            qWarning("flush: %s", qPrintable(flushed.error().message));
        return model.rowCount() == 1 && cell(0, ConnectionsModel::Status) == u"connected"_s;
    };
    QTRY_VERIFY_WITH_TIMEOUT(liveRowShown(), kSshWaitMs);
    const QString id = model.index(0, 0).data(ConnectionsModel::IdRole).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(cell(0, ConnectionsModel::User), session->connectionIdentifier);
    QCOMPARE(cell(0, ConnectionsModel::RemoteAddress), u"127.0.0.1"_s);

    // Selected as an operator does: a click on its row.
    const QRect rowRect = view().visualRect(model.index(0, ConnectionsModel::User));
    QVERIFY(rowRect.isValid());
    QTest::mouseClick(view().viewport(), Qt::LeftButton, {}, rowRect.center());
    QCOMPARE(m_panel->selectedConnectionId(), id);
    ConnectionDetail &detail = m_panel->detail();
    QTRY_COMPARE(detail.connectionId(), id);
    auto *button = child<QPushButton>(&detail, u"disconnect"_s);
    QVERIFY(button->isEnabled());

    QString question;
    QCOMPARE(answeringDialogs([button] { button->click(); },
                              [&question](QWidget *dialog) {
                                  if (auto *box = qobject_cast<QMessageBox *>(dialog))
                                      question = box->text();
                                  return clickButton(dialog, QMessageBox::Yes);
                              }),
             1);
    QVERIFY2(question.contains(session->connectionIdentifier), qPrintable(question));
    QVERIFY2(detail.errorText().isEmpty(), qPrintable(detail.errorText()));

    // The real client is cut off, and says why.
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, kSshWaitMs);
    QCOMPARE(client.exitStatus(), QProcess::NormalExit);
    QVERIFY2(client.exitCode() != 0, qPrintable(QString::number(client.exitCode())));
    const QByteArray complaint = client.readAllStandardError();
    QVERIFY2(complaint.contains("terminated by an operator"), complaint.constData());
    QTRY_VERIFY_WITH_TIMEOUT(server.connectionCount() == 0, kSshWaitMs);
    KEYSTEAD_VERIFY_OK(service().flush());

    const Result<ConnectionRecord> record = service().get(id);
    KEYSTEAD_VERIFY_OK(record);
    QCOMPARE(record->status, ConnectionStatus::Disconnected);
    QVERIFY(record->forceDisconnect.isValid());
    QVERIFY(record->disconnected.isValid());

    // The trail names the console as the one who ended it, then the end itself.
    const Result<QList<TrailEvent>> trail = service().trail(id);
    KEYSTEAD_VERIFY_OK(trail);
    qsizetype terminate = -1;
    qsizetype disconnect = -1;
    QStringList types;
    for (qsizetype i = 0; i < trail->size(); ++i) {
        types.append(trail->at(i).type);
        if (trail->at(i).type == u"terminate"_s && terminate < 0)
            terminate = i;
        if (trail->at(i).type == u"disconnect"_s && disconnect < 0)
            disconnect = i;
    }
    QVERIFY2(terminate >= 0 && terminate < disconnect, qPrintable(types.join(u' ')));
    QCOMPARE(disconnect, trail->size() - 1);
    const Actor console = Actor::console();
    const TrailEvent &terminated = trail->at(terminate);
    const QJsonObject actor = terminated.detail.value(u"actor"_s).toObject();
    QCOMPARE(actor.value(u"kind"_s).toString(), console.kind);
    QCOMPARE(actor.value(u"name"_s).toString(), console.name);
    const QString reason = terminated.detail.value(u"reason"_s).toString();
    QVERIFY2(reason.contains(console.name.isEmpty() ? console.kind : console.name), qPrintable(reason));
    QCOMPARE(QString::fromUtf8(terminated.data), reason);
    QCOMPARE(trail->at(disconnect).detail.value(u"reason"_s).toString(), reason);
    QCOMPARE(record->disconnectReason, reason);
    const Result<TrailVerification> verified = service().verifyTrail(id);
    KEYSTEAD_VERIFY_OK(verified);
    QVERIFY2(verified->intact, qPrintable(verified->message));

    // And in the audit log, as done from the console.
    AuditQuery query;
    query.action = u"connection.terminate"_s;
    query.subjectId = id;
    const Result<QList<AuditEvent>> audited = m_core->audit->list(query);
    KEYSTEAD_VERIFY_OK(audited);
    QCOMPARE(audited->size(), 1);
    QCOMPARE(audited->constFirst().actor.kind, console.kind);

    // The panel follows: the row reads disconnected, and there is nothing left to end.
    QTRY_COMPARE_WITH_TIMEOUT(cell(model.rowOf(id), ConnectionsModel::Status), u"disconnected"_s, kSshWaitMs);
    QTRY_VERIFY(!button->isEnabled());
    auto *disconnected = child<QLabel>(&detail, u"fieldDisconnected"_s);
    QTRY_VERIFY2(disconnected->text().contains(reason), qPrintable(disconnected->text()));

    server.stop();
    QCOMPARE(server.connectionCount(), 0);
}

void TestConnectionsPanel::chartCountsConnectionsAndKeys()
{
    // Keys collected through a collect session, as the collect server records them.
    QTemporaryDir keyDir;
    const SshPublicKey ed25519 = generatePublicKey(keyDir.path(), u"ed25519"_s);
    const SshPublicKey ecdsa = generatePublicKey(keyDir.path(), u"ecdsa"_s);
    QVERIFY(!ed25519.isNull() && !ecdsa.isNull());

    m_core->clock.advanceSeconds(5 * 3600);
    record(u"alice"_s, u"192.0.2.10"_s, true);
    record(u"bob"_s, u"198.51.100.7"_s, true);
    CollectSessionInput input;
    input.multiKey = true;
    const Result<CollectSession> session = m_core->collect->create(input);
    KEYSTEAD_VERIFY_OK(session);
    const Result<QString> connection
        = m_core->collect->connectionOpened(session->id, u"192.0.2.10"_s, u"SSH-2.0-OpenSSH_9.2p1"_s);
    KEYSTEAD_VERIFY_OK(connection);
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connection.value(), ed25519));
    KEYSTEAD_VERIFY_OK(m_core->collect->keyProven(connection.value(), ecdsa));
    m_core->clock.advanceSeconds(3 * 3600);
    record(u"carol"_s, u"203.0.113.5"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());

    ConnectionsPanel &shown = panel();
    KEYSTEAD_VERIFY_OK(shown.refreshActivity());
    const ActivityChart &chart = shown.activityChart();
    QCOMPARE(chart.bucketCount(), ConnectionsPanel::bucketCount(ConnectionsPanel::ActivityRange::Day));
    QCOMPARE(chart.bucketCount(), 24);
    QCOMPARE(chart.totalConnections(), 3);
    QCOMPARE(chart.totalKeysCollected(), 2);
    // Each in the hour it happened, the newest in the last bucket.
    const QList<ActivityChart::Bucket> &buckets = chart.buckets();
    for (qsizetype i = 1; i < buckets.size(); ++i)
        QCOMPARE(buckets.at(i - 1).start.secsTo(buckets.at(i).start), 3600);
    const QDateTime now = m_core->clock.now();
    QVERIFY(buckets.constLast().start <= now && now < buckets.constLast().start.addSecs(3600));
    QCOMPARE(buckets.constLast().connections, 1);
    int keyBucket = -1;
    for (qsizetype i = 0; i < buckets.size(); ++i) {
        if (buckets.at(i).keysCollected > 0)
            keyBucket = static_cast<int>(i);
    }
    QCOMPARE(keyBucket, static_cast<int>(buckets.size()) - 1 - 3);
    QCOMPARE(buckets.at(keyBucket).keysCollected, 2);
    QCOMPARE(buckets.at(keyBucket).connections, 2);
    QVERIFY(chart.axisMaximum() >= 2);

    // Hovering a bucket tells its numbers.
    const QString text = chart.bucketText(keyBucket);
    QVERIFY2(text.contains(u"Connections: 2"_s) && text.contains(u"Keys collected: 2"_s), qPrintable(text));
    QVERIFY(chart.bucketAt(QPoint(chart.width() - 12, chart.height() / 2)) == chart.bucketCount() - 1);

    // Drawn with either palette.
    QVERIFY(!const_cast<ActivityChart &>(chart).grab().isNull());
}

void TestConnectionsPanel::chartRangesHaveTheirBuckets()
{
    record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsPanel &shown = panel();
    // Read once the panel has painted.
    QTRY_COMPARE(shown.activityChart().bucketCount(), 24);
    auto *range = child<QComboBox>(m_panel.get(), u"activityRange"_s);
    for (const auto &[which, count, seconds] : {std::tuple{ConnectionsPanel::ActivityRange::Week, 28, 6 * 3600},
                                                std::tuple{ConnectionsPanel::ActivityRange::Month, 30, 86400},
                                                std::tuple{ConnectionsPanel::ActivityRange::Day, 24, 3600}}) {
        range->setCurrentIndex(range->findData(static_cast<int>(which)));
        QCOMPARE(shown.activityRange(), which);
        const ActivityChart &chart = shown.activityChart();
        QCOMPARE(chart.bucketCount(), count);
        QCOMPARE(chart.buckets().constFirst().start.secsTo(chart.buckets().at(1).start), seconds);
        QCOMPARE(chart.totalConnections(), 1);
    }
}

void TestConnectionsPanel::mainWindowShowsThePanel()
{
    record(u"alice"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTemporaryDir settingsDir;
    QSettings windowSettings(settingsDir.filePath(u"window.ini"_s), QSettings::IniFormat);
    ui::MainWindow window(m_core->services(), windowSettings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.showPanel(ui::MainWindow::Panel::Connections);
    auto *shown = qobject_cast<ConnectionsPanel *>(window.panel(ui::MainWindow::Panel::Connections));
    QVERIFY(shown);
    QVERIFY(shown->isVisible());
    QCOMPARE(shown->connectionsModel().rowCount(), 1);
}

KEYSTEAD_UI_TEST_MAIN(TestConnectionsPanel)
#include "tst_connectionspanel.moc"
