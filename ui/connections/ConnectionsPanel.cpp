#include "ui/connections/ConnectionsPanel.h"

#include "common/Clock.h"
#include "connections/ConnectionService.h"
#include "ui/common/EmptyStatePanel.h"
#include "ui/common/Icons.h"
#include "ui/common/ListArea.h"
#include "ui/connections/ActivityChart.h"
#include "ui/connections/ConnectionDetail.h"
#include "ui/connections/ConnectionsModel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QShowEvent>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTimeZone>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr int kDetailPage = 1;
constexpr int kActivityDelayMs = 5000;

} // namespace

ConnectionsPanel::ConnectionsPanel(ConnectionsPanelServices services, QWidget *parent)
    : QWidget(parent)
    , m_services(services)
{
    m_detailStack = new QStackedWidget(this);
    m_detailStack->setObjectName(u"detailStack"_s);
    m_detailStack->addWidget(new EmptyStatePanel(
        keysteadIcon(u"connections"), tr("Connections"),
        tr("Every SSH connection to this console's own server, live and past. Select one to see what happened in "
           "it, tag it, verify its trail or end it."),
        m_detailStack));
    m_detail = new ConnectionDetail(services, m_detailStack);
    m_detail->setObjectName(u"detail"_s);
    m_detailStack->addWidget(m_detail);

    // The table gets the whole width (it has the most columns); the chart sits beside the detail.
    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->setObjectName(u"detailSplitter"_s);
    bottom->setChildrenCollapsible(false);
    bottom->addWidget(m_detailStack);
    bottom->addWidget(createActivityArea());
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 1);

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(u"connectionsSplitter"_s);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(createTableArea());
    m_splitter->addWidget(bottom);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);

    // Queued when the recorder writes on the SSH server's thread.
    connect(&m_services.connections, &ConnectionService::connectionsChanged, this,
            &ConnectionsPanel::connectionsChanged);
    m_activityDelay.setSingleShot(true);
    m_activityDelay.setInterval(kActivityDelayMs);
    connect(&m_activityDelay, &QTimer::timeout, this, [this] {
        if (isVisible())
            (void)refreshActivity();
        else
            m_activityRead = false; // read again when shown
    });

    updateCount();
    selectionChanged();
}

QWidget *ConnectionsPanel::createTableArea()
{
    auto *area = new QWidget(this);
    m_model = new ConnectionsModel(m_services.connections, m_services.clock, this);

    m_search = new QLineEdit(area);
    m_search->setObjectName(u"search"_s);
    m_search->setPlaceholderText(tr("Search user, address, tags, client…"));
    m_search->setToolTip(tr("Words separated by spaces or commas; a connection matches when it contains every one"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(240);
    m_searchDelay.setSingleShot(true);
    m_searchDelay.setInterval(kSearchDelayMs);
    connect(m_search, &QLineEdit::textChanged, &m_searchDelay, qOverload<>(&QTimer::start));
    connect(&m_searchDelay, &QTimer::timeout, this, &ConnectionsPanel::applySearch);
    connect(m_search, &QLineEdit::returnPressed, this, &ConnectionsPanel::applySearch);

    m_statusFilter = new QComboBox(area);
    m_statusFilter->setObjectName(u"statusFilter"_s);
    m_statusFilter->addItem(tr("All connections"), static_cast<int>(ConnectionsModel::StatusFilter::All));
    m_statusFilter->addItem(ConnectionsModel::statusIcon(ConnectionStatus::Connected), tr("Connected"),
                            static_cast<int>(ConnectionsModel::StatusFilter::Connected));
    m_statusFilter->addItem(ConnectionsModel::statusIcon(ConnectionStatus::Disconnected), tr("Disconnected"),
                            static_cast<int>(ConnectionsModel::StatusFilter::Disconnected));
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_model->setStatusFilter(static_cast<ConnectionsModel::StatusFilter>(m_statusFilter->currentData().toInt()));
    });

    m_count = new QLabel(area);
    m_count->setObjectName(u"connectionCount"_s);
    m_count->setForegroundRole(QPalette::PlaceholderText);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_search, 1);
    bar->addWidget(m_statusFilter);
    bar->addWidget(m_count);

    m_view = new QTableView(area);
    m_view->setObjectName(u"connections"_s);
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setCornerButtonEnabled(false);
    // Fixed rows and widths: measuring a column's content would read a thousand rows.
    QHeaderView *rows = m_view->verticalHeader();
    rows->hide();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setResizeContentsPrecision(0);
    header->setStretchLastSection(true);
    header->setSortIndicatorShown(true);
    const QFontMetrics metrics = m_view->fontMetrics();
    // Wide enough for a typical value and for the title with its sort arrow.
    const QFontMetrics headerMetrics = header->fontMetrics();
    const auto fit = [&](int column, const QString &sample, int extra = 0) {
        const QString title = m_model->headerData(column, Qt::Horizontal).toString();
        header->resizeSection(
            column,
            std::max(metrics.horizontalAdvance(sample) + 16 + extra, headerMetrics.horizontalAdvance(title) + 32));
    };
    fit(ConnectionsModel::Status, tr("disconnected"), 20); // and the dot
    fit(ConnectionsModel::User, u"alice.martin.ops"_s);
    fit(ConnectionsModel::RemoteAddress, u"203.0.113.200"_s);
    fit(ConnectionsModel::Connected, u"2026-12-31 23:59:59"_s);
    fit(ConnectionsModel::Duration, u"9 d 23:59:59"_s);
    fit(ConnectionsModel::BytesIn, u"1023.9 KiB"_s);
    fit(ConnectionsModel::BytesOut, u"1023.9 KiB"_s);
    header->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
    m_view->setSortingEnabled(true);
    connect(header, &QHeaderView::sortIndicatorChanged, this, &ConnectionsPanel::sortIndicatorChanged);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ConnectionsPanel::selectionChanged);
    connect(m_model, &ConnectionsModel::modelReset, this, &ConnectionsPanel::followModel);
    connect(m_model, &ConnectionsModel::rowsInserted, this, &ConnectionsPanel::updateCount);
    connect(m_model, &ConnectionsModel::rowsRemoved, this, &ConnectionsPanel::updateCount);
    // The rows were read again (the order moved): the selection stays on the same connection.
    connect(m_model, &ConnectionsModel::rowsReread, this, &ConnectionsPanel::followModel);
    connect(m_model, &ConnectionsModel::queryFailed, this, &ConnectionsPanel::showError);

    m_error = stackListArea(area, bar, m_view, u"connectionsError"_s, m_model->lastError());
    return area;
}

QWidget *ConnectionsPanel::createActivityArea()
{
    auto *area = new QWidget(this);
    auto *title = new QLabel(tr("Activity"), area);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);

    m_range = new QComboBox(area);
    m_range->setObjectName(u"activityRange"_s);
    m_range->addItem(tr("Last 24 hours"), static_cast<int>(ActivityRange::Day));
    m_range->addItem(tr("Last 7 days"), static_cast<int>(ActivityRange::Week));
    m_range->addItem(tr("Last 30 days"), static_cast<int>(ActivityRange::Month));
    connect(m_range, &QComboBox::currentIndexChanged, this, [this] { (void)refreshActivity(); });

    m_chart = new ActivityChart(area);
    m_chart->setObjectName(u"activityChart"_s);

    auto *row = new QHBoxLayout;
    row->addWidget(title);
    row->addStretch(1);
    row->addWidget(m_range);

    auto *layout = new QVBoxLayout(area);
    layout->setContentsMargins(6, 0, 0, 0);
    layout->addLayout(row);
    layout->addWidget(m_chart, 1);
    return area;
}

void ConnectionsPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // After the first paint: the table is what the operator opened the panel for.
    if (!m_activityRead) {
        m_activityRead = true;
        QTimer::singleShot(0, this, [this] { (void)refreshActivity(); });
    }
}

int ConnectionsPanel::bucketCount(ActivityRange range)
{
    switch (range) {
    case ActivityRange::Day: return 24;
    case ActivityRange::Week: return 28;
    case ActivityRange::Month: return 30;
    }
    return 24;
}

qint64 ConnectionsPanel::bucketSeconds(ActivityRange range)
{
    switch (range) {
    case ActivityRange::Day: return 3600;
    case ActivityRange::Week: return 6 * 3600;
    case ActivityRange::Month: return 86400;
    }
    return 3600;
}

void ConnectionsPanel::setActivityRange(ActivityRange range)
{
    m_range->setCurrentIndex(std::max(0, m_range->findData(static_cast<int>(range))));
}

ConnectionsPanel::ActivityRange ConnectionsPanel::activityRange() const
{
    return static_cast<ActivityRange>(m_range->currentData().toInt());
}

Status ConnectionsPanel::refreshActivity()
{
    m_activityRead = true;
    const ActivityRange range = activityRange();
    const qint64 span = bucketSeconds(range);
    const int buckets = bucketCount(range);
    // Buckets on the local clock's hours and midnights, the current moment in the last one.
    const QDateTime now = m_services.clock.now().toLocalTime();
    const QDateTime midnight(now.date(), QTime(0, 0), now.timeZone());
    const qint64 sinceMidnight = midnight.secsTo(now);
    const QDateTime to = midnight.addSecs((sinceMidnight / span + 1) * span).toUTC();
    const QDateTime from = to.addSecs(-span * buckets);
    Result<QList<ConnectionService::ActivityBucket>> read = m_services.connections.activity(from, to, buckets);
    if (!read) {
        showError(read.error().message);
        return read.error();
    }
    m_chart->setBuckets(read.value(), span);
    return {};
}

bool ConnectionsPanel::selectConnection(const QString &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return false;
    m_view->selectRow(row);
    m_view->scrollTo(m_model->index(row, 0));
    return true;
}

QString ConnectionsPanel::selectedConnectionId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(ConnectionsModel::IdRole).toString();
}

void ConnectionsPanel::applySearch()
{
    m_searchDelay.stop();
    m_model->setKeywords(m_search->text());
}

void ConnectionsPanel::selectionChanged()
{
    const QString id = selectedConnectionId();
    if (id.isEmpty()) {
        // A selection lost to a new query: the detail goes with it.
        m_selectedId.clear();
        (void)m_detail->showConnection({});
        m_detailStack->setCurrentIndex(0);
        return;
    }
    m_selectedId = id;
    (void)m_detail->showConnection(id);
    m_detailStack->setCurrentIndex(kDetailPage);
}

void ConnectionsPanel::followModel()
{
    updateCount();
    showError(m_model->lastError());
    if (m_selectedId.isEmpty() || selectedConnectionId() == m_selectedId)
        return;
    if (selectConnection(m_selectedId))
        return;
    // Not among the rows read: filtered out, or too far away to look for.
    if (m_view->selectionModel()->hasSelection())
        m_view->clearSelection(); // selectionChanged() follows
    else
        selectionChanged();
}

void ConnectionsPanel::connectionsChanged(const QStringList &ids)
{
    if (!m_detail->connectionId().isEmpty() && ids.contains(m_detail->connectionId()))
        (void)m_detail->refresh();
    if (!m_activityDelay.isActive())
        m_activityDelay.start();
}

void ConnectionsPanel::sortIndicatorChanged(int column, Qt::SortOrder)
{
    // Tags cannot be sorted by: the arrow goes back where the order really is.
    if (ConnectionsModel::sortKeyOf(column).isEmpty())
        m_view->horizontalHeader()->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
}

void ConnectionsPanel::updateCount()
{
    const int count = m_model->rowCount();
    m_count->setText(count == 1 ? tr("1 connection") : tr("%L1 connections").arg(count));
}

QString ConnectionsPanel::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void ConnectionsPanel::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
