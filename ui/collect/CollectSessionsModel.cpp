#include "ui/collect/CollectSessionsModel.h"

#include "collect/CollectService.h"
#include "ui/collect/CollectTexts.h"

#include <QGuiApplication>
#include <QPalette>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

CollectSessionsModel::CollectSessionsModel(CollectService &service, QObject *parent)
    : QAbstractTableModel(parent)
    , m_service(service)
{
    for (const CollectStatus status : {CollectStatus::Pending, CollectStatus::Completed, CollectStatus::Expired})
        m_statusIcons.at(static_cast<std::size_t>(status)) = CollectTexts::statusIcon(status);
    // Automatic connections: the SSH server's thread emits these too, and its
    // signals arrive queued, in order, on this model's thread.
    connect(&m_service, &CollectService::changed, this, &CollectSessionsModel::apply);
    refresh();
}

int CollectSessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int CollectSessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CollectSessionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CollectSession &session = m_rows.at(index.row());
    const auto column = static_cast<Column>(index.column());

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Status: return CollectTexts::status(session.status);
        case Identifier: return session.connectionIdentifier;
        case ExternalId: return session.externalId.value_or(QString());
        case Created: return CollectTexts::shortTime(session.createdAt);
        case Expires: return session.expiredAt.isNull() ? tr("never") : CollectTexts::shortTime(session.expiredAt);
        case Keys: return session.collectedKeyCount();
        case Connections: return static_cast<int>(session.connections.size());
        case ColumnCount: break;
        }
        break;
    case Qt::DecorationRole:
        if (column == Status)
            return m_statusIcons.at(static_cast<std::size_t>(session.status));
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Created: return CollectTexts::longTime(session.createdAt);
        case Expires:
            if (session.expiredAt.isNull())
                return tr("The session stays open until it is completed or deleted.");
            if (session.timeout)
                return tr("%1 (timeout: %2 s from creation)")
                    .arg(CollectTexts::longTime(session.expiredAt))
                    .arg(*session.timeout);
            return CollectTexts::longTime(session.expiredAt);
        case Keys: {
            int discarded = 0;
            for (const CollectSessionConnection &connection : session.connections)
                discarded += static_cast<int>(connection.keys.size()) - connection.collectedKeyCount();
            return discarded == 0 ? QVariant() : QVariant(tr("Discarded keys: %1").arg(discarded));
        }
        case Status:
            if (session.status == CollectStatus::Completed && session.completedAt.isValid())
                return tr("Completed on %1").arg(CollectTexts::longTime(session.completedAt));
            break;
        case Identifier:
        case ExternalId:
        case Connections:
        case ColumnCount: break;
        }
        break;
    case Qt::TextAlignmentRole:
        if (column == Keys || column == Connections)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::ForegroundRole:
        // An expired session stays listed as a record; greyed, it does not read as open.
        if (session.status == CollectStatus::Expired)
            return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
        break;
    case SortRole:
        switch (column) {
        case Status: return static_cast<int>(session.status);
        case Identifier: return session.connectionIdentifier;
        case ExternalId: return session.externalId.value_or(QString());
        case Created: return session.createdAt;
        case Expires: return session.expiredAt;
        case Keys: return session.collectedKeyCount();
        case Connections: return static_cast<int>(session.connections.size());
        case ColumnCount: break;
        }
        break;
    case IdRole: return session.id;
    default: break;
    }
    return {};
}

QVariant CollectSessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Status: return tr("Status");
    case Identifier: return tr("Connection identifier");
    case ExternalId: return tr("External ID");
    case Created: return tr("Created");
    case Expires: return tr("Expires");
    case Keys: return tr("Keys");
    case Connections: return tr("Connections");
    default: return {};
    }
}

int CollectSessionsModel::rowOf(const QString &id) const
{
    const auto found = std::find_if(m_rows.cbegin(), m_rows.cend(),
                                    [&id](const CollectSession &session) { return session.id == id; });
    return found == m_rows.cend() ? -1 : static_cast<int>(found - m_rows.cbegin());
}

QModelIndex CollectSessionsModel::indexOf(const QString &id, int column) const
{
    const int row = rowOf(id);
    return row < 0 ? QModelIndex() : index(row, column);
}

void CollectSessionsModel::refresh()
{
    QList<CollectSession> all;
    CollectSessionQuery query;
    query.limit = CollectSessionQuery::kMaxLimit;
    // Paged by the service's limit; bounded by the total it reported at the start.
    for (int total = 1; query.offset < total;) {
        Result<CollectSessionPage> page = m_service.list(query);
        if (!page) {
            fail(page.error().message);
            return;
        }
        total = page->total;
        if (page->sessions.isEmpty())
            break;
        query.offset += static_cast<int>(page->sessions.size());
        all.append(std::move(page.value().sessions));
    }
    m_lastError.clear();
    beginResetModel();
    m_rows = std::move(all);
    endResetModel();
}

void CollectSessionsModel::reloadSession(const QString &id)
{
    Result<CollectSession> read = m_service.get(id);
    if (!read) {
        if (read.error().kind == Error::Kind::NotFound)
            removeSession(id); // deleted meanwhile: its removal signal is on its way or already handled
        else
            fail(read.error().message);
        return;
    }
    const int row = rowOf(id);
    if (row >= 0) {
        m_rows[row] = std::move(read).value();
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    const int at = insertionRow(read.value());
    beginInsertRows({}, at, at);
    m_rows.insert(at, std::move(read).value());
    endInsertRows();
}

void CollectSessionsModel::removeSession(const QString &id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
}

void CollectSessionsModel::apply(const ChangeSet &changes)
{
    if (changes.topic == CollectService::kSessionTopic) {
        for (const QString &id : changes.removed)
            removeSession(id);
        for (const QString &id : changes.changed)
            reloadSession(id);
        for (const QString &id : changes.added)
            reloadSession(id);
    } else if (changes.topic == CollectService::kConnectionTopic) {
        for (const QString &id : changes.changed)
            applyConnection(id);
        for (const QString &id : changes.added)
            applyConnection(id);
    } else if (changes.topic == CollectService::kKeyTopic) {
        for (const QString &id : changes.added)
            applyKey(id);
    }
}

void CollectSessionsModel::applyConnection(const QString &connectionId)
{
    Result<CollectSessionConnection> read = m_service.connection(connectionId);
    if (!read) {
        // Gone with its session meanwhile: the session's removal is on its way or already handled.
        if (read.error().kind != Error::Kind::NotFound)
            fail(read.error().message);
        return;
    }
    const int row = rowOf(read->sessionId);
    if (row < 0) {
        reloadSession(read->sessionId); // a session this model has not seen yet
        return;
    }
    QList<CollectSessionConnection> &connections = m_rows[row].connections;
    const auto known
        = std::find_if(connections.begin(), connections.end(),
                       [&connectionId](const CollectSessionConnection &c) { return c.id == connectionId; });
    if (known != connections.end())
        *known = std::move(read).value();
    else
        connections.append(std::move(read).value());
    rowChanged(row);
}

void CollectSessionsModel::applyKey(const QString &keyId)
{
    Result<CollectSessionKey> read = m_service.key(keyId);
    if (!read) {
        if (read.error().kind != Error::Kind::NotFound)
            fail(read.error().message);
        return;
    }
    const int row = rowOf(read->sessionId);
    if (row < 0) {
        reloadSession(read->sessionId);
        return;
    }
    QList<CollectSessionConnection> &connections = m_rows[row].connections;
    const auto connection
        = std::find_if(connections.begin(), connections.end(),
                       [&read](const CollectSessionConnection &c) { return c.id == read->connectionId; });
    if (connection == connections.end()) {
        applyConnection(read->connectionId); // read with its keys, this one among them
        return;
    }
    const auto known = std::find_if(connection->keys.begin(), connection->keys.end(),
                                    [&keyId](const CollectSessionKey &k) { return k.id == keyId; });
    if (known != connection->keys.end())
        *known = std::move(read).value();
    else
        connection->keys.append(std::move(read).value());
    rowChanged(row);
}

void CollectSessionsModel::rowChanged(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int CollectSessionsModel::insertionRow(const CollectSession &session) const
{
    const auto at = std::find_if(m_rows.cbegin(), m_rows.cend(), [&session](const CollectSession &other) {
        return other.createdAt < session.createdAt || (other.createdAt == session.createdAt && other.id < session.id);
    });
    return static_cast<int>(at - m_rows.cbegin());
}

void CollectSessionsModel::fail(const QString &message)
{
    m_lastError = message;
    Q_EMIT refreshFailed(message);
}

} // namespace keystead::ui
