#pragma once

#include "api/TokenService.h"
#include "ui/common/ChangeTableModel.h"

#include <QAbstractTableModel>

namespace keystead::ui {

// The API tokens, oldest first, as TokenService lists them (never their secrets).
// Applies TokenService's ChangeSets row by row; refresh() also picks up "last
// used" times, which the service records without announcing them.
class TokensModel final : public ChangeTableModel<ApiToken>
{
    Q_OBJECT

public:
    enum Column { Name, Scopes, Created, LastUsed, State, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value: text, UTC date-time (invalid: never), bool active
        IdRole,
    };

    explicit TokensModel(TokenService &tokens, QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const ApiToken &tokenAt(int row) const { return rowAt(row); }
    int rowOf(const QString &id) const { return indexOfId(id); }
    // Empty while the last refresh worked.
    QString lastError() const { return m_lastError; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void refreshFailed(const QString &message);

protected:
    QString idOf(const ApiToken &token) const override { return token.id; }

private:
    void applyChanges(const ChangeSet &changes);

    TokenService &m_service;
    QString m_lastError;
};

} // namespace keystead::ui
