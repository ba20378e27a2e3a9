#include "ui/collect/CollectPanel.h"

#include "collect/CollectService.h"
#include "ui/collect/CollectSessionDetail.h"
#include "ui/collect/CollectSessionDialog.h"
#include "ui/collect/CollectSessionsFilter.h"
#include "ui/collect/CollectSessionsModel.h"
#include "ui/collect/CollectTexts.h"
#include "ui/common/EmptyStatePanel.h"
#include "ui/common/Icons.h"
#include "ui/common/ListArea.h"
#include "ui/common/OpenDialog.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr int kDetailPage = 1;

} // namespace

CollectPanel::CollectPanel(CollectPanelServices services, QWidget *parent)
    : QWidget(parent)
    , m_services(services)
{
    m_detailStack = new QStackedWidget(this);
    m_detailStack->setObjectName(u"detailStack"_s);
    m_detailStack->addWidget(new EmptyStatePanel(keysteadIcon(u"collect"), tr("Collect sessions"),
                                                 tr("Create a collect session, hand the user the ssh line it shows "
                                                    "and watch the user's keys arrive, each one proven."),
                                                 m_detailStack));
    m_detail = new CollectSessionDetail(services, m_detailStack);
    m_detail->setObjectName(u"detail"_s);
    m_detailStack->addWidget(m_detail);

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(u"collectSplitter"_s);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(createSessionsArea());
    m_splitter->addWidget(m_detailStack);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);

    updateDetail();
    updateButtons();
}

QWidget *CollectPanel::createSessionsArea()
{
    auto *area = new QWidget(this);

    m_model = new CollectSessionsModel(m_services.collect, this);
    m_filter = new CollectSessionsFilter(this);
    m_filter->setSourceModel(m_model);

    auto *newButton = new QPushButton(keysteadIcon(u"collect"), tr("New…"), area);
    newButton->setObjectName(u"newSession"_s);
    connect(newButton, &QPushButton::clicked, this, &CollectPanel::askForNewSession);
    m_editButton = new QPushButton(tr("Edit…"), area);
    m_editButton->setObjectName(u"editSession"_s);
    connect(m_editButton, &QPushButton::clicked, this, &CollectPanel::askToEdit);
    m_completeButton = new QPushButton(tr("Complete"), area);
    m_completeButton->setObjectName(u"completeSession"_s);
    m_completeButton->setToolTip(tr("End the session: no further keys are collected"));
    connect(m_completeButton, &QPushButton::clicked, this, [this] { (void)completeSelected(); });
    m_deleteButton = new QPushButton(tr("Delete…"), area);
    m_deleteButton->setObjectName(u"deleteSession"_s);
    connect(m_deleteButton, &QPushButton::clicked, this, &CollectPanel::confirmDelete);

    m_statusFilter = new QComboBox(area);
    m_statusFilter->setObjectName(u"statusFilter"_s);
    m_statusFilter->addItem(tr("All sessions"), -1);
    for (const CollectStatus status : {CollectStatus::Pending, CollectStatus::Completed, CollectStatus::Expired})
        m_statusFilter->addItem(CollectTexts::statusIcon(status), CollectTexts::status(status),
                                static_cast<int>(status));
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this] {
        const int status = m_statusFilter->currentData().toInt();
        m_filter->setStatusFilter(status < 0 ? std::nullopt
                                             : std::optional<CollectStatus>(static_cast<CollectStatus>(status)));
    });
    m_textFilter = new QLineEdit(area);
    m_textFilter->setObjectName(u"textFilter"_s);
    m_textFilter->setPlaceholderText(tr("Filter by identifier or external ID"));
    m_textFilter->setClearButtonEnabled(true);
    m_textFilter->setMinimumWidth(220);
    connect(m_textFilter, &QLineEdit::textChanged, m_filter, &CollectSessionsFilter::setTextFilter);

    auto *bar = new QHBoxLayout;
    bar->addWidget(newButton);
    bar->addWidget(m_editButton);
    bar->addWidget(m_completeButton);
    bar->addWidget(m_deleteButton);
    bar->addStretch(1);
    bar->addWidget(m_statusFilter);
    bar->addWidget(m_textFilter);

    m_view = new QTableView(area);
    m_view->setObjectName(u"sessions"_s);
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    QHeaderView *header = m_view->horizontalHeader();
    for (int column = 0; column < CollectSessionsModel::ColumnCount; ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(CollectSessionsModel::ExternalId, QHeaderView::Stretch);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(CollectSessionsModel::Created, Qt::DescendingOrder);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateDetail();
        updateButtons();
    });
    connect(m_view, &QTableView::doubleClicked, this, &CollectPanel::askToEdit);

    // The selected session changed (a key arrived, it expired): the detail and buttons follow.
    connect(m_model, &CollectSessionsModel::dataChanged, this,
            [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                const int row = m_model->rowOf(selectedSessionId());
                if (row >= topLeft.row() && row <= bottomRight.row()) {
                    updateDetail();
                    updateButtons();
                }
            });
    const auto followSelection = [this] {
        updateDetail();
        updateButtons();
    };
    connect(m_model, &CollectSessionsModel::rowsRemoved, this, followSelection);
    connect(m_model, &CollectSessionsModel::modelReset, this, followSelection);
    connect(m_model, &CollectSessionsModel::lastErrorChanged, this, &CollectPanel::showError);

    m_error = stackListArea(area, bar, m_view, u"collectError"_s, m_model->lastError());
    return area;
}

bool CollectPanel::selectSession(const QString &id)
{
    return selectRowAt(m_view, m_filter->mapFromSource(m_model->indexOf(id)));
}

QString CollectPanel::selectedSessionId() const
{
    return selectedRowId(m_view, CollectSessionsModel::IdRole);
}

CollectSessionDialog *CollectPanel::createNewSessionDialog()
{
    return new CollectSessionDialog(m_services.collect, m_services.clock, this);
}

CollectSessionDialog *CollectPanel::createEditDialog()
{
    const int row = m_model->rowOf(selectedSessionId());
    if (row < 0)
        return nullptr;
    return new CollectSessionDialog(m_services.collect, m_services.clock, m_model->sessionAt(row), this);
}

Status CollectPanel::completeSelected()
{
    const QString id = selectedSessionId();
    if (id.isEmpty())
        return Error::invalid(tr("Select a session to complete."));
    Result<CollectSession> completed = m_services.collect.complete(id);
    showError(completed ? QString() : completed.error().message);
    if (!completed)
        return completed.error();
    return {};
}

Status CollectPanel::deleteSelected()
{
    const QString id = selectedSessionId();
    if (id.isEmpty())
        return Error::invalid(tr("Select a session to delete."));
    Status removed = m_services.collect.remove(id);
    showError(removed ? QString() : removed.error().message);
    return removed;
}

QString CollectPanel::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void CollectPanel::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void CollectPanel::updateDetail()
{
    const int row = m_model->rowOf(selectedSessionId());
    if (row < 0) {
        m_detailStack->setCurrentIndex(0);
        return;
    }
    m_detail->showSession(m_model->sessionAt(row));
    m_detailStack->setCurrentIndex(kDetailPage);
}

void CollectPanel::updateButtons()
{
    const int row = m_model->rowOf(selectedSessionId());
    m_editButton->setEnabled(row >= 0);
    m_deleteButton->setEnabled(row >= 0);
    m_completeButton->setEnabled(row >= 0 && m_model->sessionAt(row).status == CollectStatus::Pending);
}

void CollectPanel::askForNewSession()
{
    CollectSessionDialog *dialog = openDialog(createNewSessionDialog());
    // The new row is in the model already (the ChangeSet came on this thread): select it.
    connect(dialog, &QDialog::accepted, this, [this, dialog] { selectSession(dialog->savedSession().id); });
}

void CollectPanel::askToEdit()
{
    openDialog(createEditDialog());
}

void CollectPanel::confirmDelete()
{
    const int row = m_model->rowOf(selectedSessionId());
    if (row < 0)
        return;
    const CollectSession &session = m_model->sessionAt(row);
    QString question = tr("Delete the collect session \"%1\"?").arg(session.connectionIdentifier);
    if (!session.connections.isEmpty())
        question
            += u' ' + tr("Its connections (%1) and their keys are deleted with it.").arg(session.connections.size());
    if (session.status == CollectStatus::Pending)
        question += u' ' + tr("Users who run its ssh line afterwards are turned away.");
    const QMessageBox::StandardButton answer = QMessageBox::question(
        this, tr("Delete collect session"), question, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        (void)deleteSelected();
}

} // namespace keystead::ui
