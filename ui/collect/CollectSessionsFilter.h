#pragma once

#include "collect/CollectSession.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace keystead::ui {

// Sorts CollectSessionsModel by its raw values and keeps the rows that match
// a status and a piece of text (in the connection identifier or the external id, any case).
class CollectSessionsFilter final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit CollectSessionsFilter(QObject *parent = nullptr);

    // std::nullopt: every status.
    void setStatusFilter(std::optional<CollectStatus> status);
    std::optional<CollectStatus> statusFilter() const { return m_status; }
    // Empty: any text.
    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    std::optional<CollectStatus> m_status;
    QString m_text;
};

} // namespace keystead::ui
