#include "ConnectionsPanelFixture.h"

// The connections panel, offscreen, on a real store: records made through the
// service's recorder calls as the SSH server makes them (so trails are real
// hash chains), the lazy model under QAbstractItemModelTester throughout.
class TestConnectionsPanel final : public ConnectionsPanelFixture
{
    Q_OBJECT

private Q_SLOTS:

    void showsTheRecords();
    void readsPagesLazily();
    void sortingByAHeaderQueriesAgain();
    void searchNarrowsTheRows();
    void statusFilterNarrowsTheRows();
    void recorderUpdatesTheVisibleRow();
    void newConnectionArrivesAtTheTop();
    void newConnectionInAnotherOrderEntersAtItsPlace();
    void durationTicksForLiveRows();
    void chartCountsConnectionsAndKeys();
    void chartRangesHaveTheirBuckets();
    void mainWindowShowsThePanel();
};

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
    record(u"bob"_s, u"198.51.100.7"_s, true);
    const QString live = record(u"alice"_s, u"192.0.2.10"_s, false, kOutput, 100, 200);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsModel &model = panel().connectionsModel();
    QCOMPARE(model.rowCount(), 2);
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
    // Its row only (the other one ended: no duration ticks there either).
    for (const QList<QVariant> &signal : std::as_const(changed)) {
        QCOMPARE(signal.at(0).toModelIndex().row(), 0);
        QCOMPARE(signal.at(1).toModelIndex().row(), 0);
    }
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

void TestConnectionsPanel::newConnectionInAnotherOrderEntersAtItsPlace()
{
    const QString bob = record(u"bob"_s, u"198.51.100.7"_s, true);
    record(u"dave"_s, u"192.0.2.10"_s, true);
    KEYSTEAD_VERIFY_OK(service().flush());
    ConnectionsModel &model = panel().connectionsModel();
    view().horizontalHeader()->setSortIndicator(ConnectionsModel::User, Qt::AscendingOrder);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"bob"_s, u"dave"_s}));
    QVERIFY(m_panel->selectConnection(bob));

    // Each new connection is one row inserted where the order puts it; nothing is read again.
    QSignalSpy reread(&model, &ConnectionsModel::rowsReread);
    QSignalSpy reset(&model, &ConnectionsModel::modelReset);
    QSignalSpy inserted(&model, &ConnectionsModel::rowsInserted);
    record(u"alice"_s, u"203.0.113.5"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.constFirst().at(1).toInt(), 0);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"alice"_s, u"bob"_s, u"dave"_s}));
    record(u"carol"_s, u"203.0.113.6"_s, false);
    KEYSTEAD_VERIFY_OK(service().flush());
    QTRY_COMPARE(model.rowCount(), 4);
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 2);
    QCOMPARE(column(ConnectionsModel::User), (QStringList{u"alice"_s, u"bob"_s, u"carol"_s, u"dave"_s}));
    QCOMPARE(reread.count(), 0);
    QCOMPARE(reset.count(), 0);
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
