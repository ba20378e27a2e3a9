#pragma once

#include "collect/CollectSession.h"
#include "common/Result.h"
#include "ui/collect/CollectSessionDetail.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTableView;
QT_END_NAMESPACE

namespace keystead::ui {

class CollectSessionDetail;
class CollectSessionDialog;
class CollectSessionsFilter;
class CollectSessionsModel;

// Seed 000: collect sessions. The sessions table with its filter above, the
// selected session in detail below. The operations are public methods with no
// dialog in them, so tests drive them offscreen; the buttons wrap them in the
// questions a person should be asked.
class CollectPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit CollectPanel(CollectPanelServices services, QWidget *parent = nullptr);

    CollectSessionsModel &sessionsModel() const { return *m_model; }
    CollectSessionsFilter &sessionsFilter() const { return *m_filter; }
    CollectSessionDetail &detail() const { return *m_detail; }

    bool selectSession(const QString &id);
    QString selectedSessionId() const;

    // The dialogs the New… and Edit… buttons open (not yet shown), for a caller to fill in and accept.
    CollectSessionDialog *createNewSessionDialog();
    CollectSessionDialog *createEditDialog();

    // Completes / deletes the selected session, without asking.
    Status completeSelected();
    Status deleteSelected();

    // What the panel shows under the table; empty when all went well.
    QString errorText() const;

private:
    QWidget *createSessionsArea();
    void updateButtons();
    void updateDetail();
    void showError(const QString &message);
    // The modal parts: thin wrappers around the operations above.
    void askForNewSession();
    void askToEdit();
    void confirmDelete();

    CollectPanelServices m_services;
    CollectSessionsModel *m_model = nullptr;
    CollectSessionsFilter *m_filter = nullptr;
    QTableView *m_view = nullptr;
    QComboBox *m_statusFilter = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QPushButton *m_editButton = nullptr;
    QPushButton *m_completeButton = nullptr;
    QPushButton *m_deleteButton = nullptr;
    QLabel *m_error = nullptr;
    QSplitter *m_splitter = nullptr;
    QStackedWidget *m_detailStack = nullptr;
    CollectSessionDetail *m_detail = nullptr;
};

} // namespace keystead::ui
