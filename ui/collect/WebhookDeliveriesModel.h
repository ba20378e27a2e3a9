#pragma once

#include "collect/WebhookDeliveryLog.h"

#include <QAbstractTableModel>

namespace keystead::ui {

// The webhook deliveries of one collect session, newest first, with their
// attempts. refresh() reads the log again and adds the new deliveries on top
// and changes the others in place.
class WebhookDeliveriesModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Event, Target, Status, Attempts, Answer, LastAttempt, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1,
        IdRole,
    };

    explicit WebhookDeliveriesModel(WebhookDeliveryLog &log, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Shows the deliveries of this session (empty: none) and reads them.
    void setSessionId(const QString &sessionId);
    QString sessionId() const { return m_sessionId; }
    const WebhookDelivery &deliveryAt(int row) const { return m_rows.at(row); }
    int rowOf(const QString &deliveryId) const;
    QString lastError() const { return m_lastError; }

public Q_SLOTS:
    void refresh();

private:
    WebhookDeliveryLog &m_log;
    QString m_sessionId;
    QList<WebhookDelivery> m_rows;
    QString m_lastError;
};

} // namespace keystead::ui
