#pragma once

#include "common/Result.h"
#include "ui/connections/ConnectionDetail.h"

#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QStackedWidget;
class QTableView;
QT_END_NAMESPACE

namespace keystead::ui {

class ActivityChart;
class ConnectionDetail;
class ConnectionsModel;

// Seed 003: every SSH connection to the console's own server, live and past.
// The table (read lazily: a million records cost a page per screenful) with its
// search above and a chart of activity beside it; the selected connection in
// detail below. The operations are public methods with no dialog in them, so
// tests drive them offscreen.
class ConnectionsPanel final : public QWidget
{
    Q_OBJECT

public:
    enum class ActivityRange { Day, Week, Month };
    Q_ENUM(ActivityRange)

    // Typing in the search box runs the search this long after the last key.
    static constexpr int kSearchDelayMs = 300;

    explicit ConnectionsPanel(ConnectionsPanelServices services, QWidget *parent = nullptr);

    ConnectionsModel &connectionsModel() const { return *m_model; }
    ConnectionDetail &detail() const { return *m_detail; }
    ActivityChart &activityChart() const { return *m_chart; }

    // Selects a connection among the rows read so far.
    bool selectConnection(const QString &id);
    QString selectedConnectionId() const;

    // Runs the search in the search box now instead of after the typing pause.
    void applySearch();

    void setActivityRange(ActivityRange range);
    ActivityRange activityRange() const;
    // Reads the chart's numbers for the range chosen.
    Status refreshActivity();
    static int bucketCount(ActivityRange range);
    static qint64 bucketSeconds(ActivityRange range);

    // What the panel shows under the table; empty when all went well.
    QString errorText() const;

protected:
    void showEvent(QShowEvent *event) override;

private:
    QWidget *createTableArea();
    QWidget *createActivityArea();
    void selectionChanged();
    void followModel();
    void connectionsChanged(const QStringList &ids);
    void sortIndicatorChanged(int column, Qt::SortOrder order);
    void updateCount();
    void showError(const QString &message);

    ConnectionsPanelServices m_services;
    ConnectionsModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QLineEdit *m_search = nullptr;
    QComboBox *m_statusFilter = nullptr;
    QLabel *m_count = nullptr;
    QLabel *m_error = nullptr;
    QComboBox *m_range = nullptr;
    ActivityChart *m_chart = nullptr;
    QStackedWidget *m_detailStack = nullptr;
    ConnectionDetail *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;

    QString m_selectedId;
    QTimer m_searchDelay;
    // New connections move the chart; it is read again at most this often, and only while shown.
    QTimer m_activityDelay;
    bool m_activityRead = false;
};

} // namespace keystead::ui
