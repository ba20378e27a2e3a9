#include "ui/collect/CollectSessionsModel.h"

#include "collect/CollectService.h"
#include "ui/collect/CollectTexts.h"

#include <QGuiApplication>
#include <QPalette>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

CollectSessionsModel::CollectSessionsModel(CollectService &service, QObject *parent)
    : ChangeTableModel<CollectSession>(parent)
    , m_service(service)
{
    for (const CollectStatus status : {CollectStatus::Pending, CollectStatus::Completed, CollectStatus::Expired})
        m_statusIcons.at(static_cast<std::size_t>(status)) = CollectTexts::statusIcon(status);
    // Automatic connections: the SSH server's thread emits these too, and its
    // signals arrive queued, in order, on this model's thread.
    connect(&m_service, &CollectService::changed, this, &CollectSessionsModel::applyChanges);
    refresh();
}

int CollectSessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CollectSessionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CollectSession &session = rowAt(index.row());
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

void CollectSessionsModel::refresh()
{
    QList<CollectSession> all;
    CollectSessionQuery query;
    query.limit = CollectSessionQuery::kMaxLimit;
    // Paged by the service's limit; bounded by the total it reported at the start.
    for (int total = 1; query.offset < total;) {
        Result<CollectSessionPage> page = m_service.list(query);
        if (!page) {
            load(page.error());
            return;
        }
        total = page->total;
        if (page->sessions.isEmpty())
            break;
        query.offset += static_cast<int>(page->sessions.size());
        all.append(std::move(page.value().sessions));
    }
    load(std::move(all));
}

void CollectSessionsModel::applyChanges(const ChangeSet &changes)
{
    if (changes.topic == CollectService::kSessionTopic) {
        if (!applyReads(changes, [this](const QString &id) { return m_service.get(id); }))
            refresh();
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

void CollectSessionsModel::changeConnections(const QString &sessionId,
                                             const std::function<void(QList<CollectSessionConnection> &)> &change)
{
    const int row = rowOf(sessionId);
    if (row < 0) {
        // A session this model has not seen yet: read with its connections and keys.
        applyReads(ChangeSet::addedOne(QString(CollectService::kSessionTopic), sessionId),
                   [this](const QString &id) { return m_service.get(id); });
        return;
    }
    CollectSession session = rowAt(row);
    change(session.connections);
    replaceRow(row, session);
}

void CollectSessionsModel::applyConnection(const QString &connectionId)
{
    Result<CollectSessionConnection> read = m_service.connection(connectionId);
    if (!read) {
        readFailed(read.error());
        return;
    }
    changeConnections(read->sessionId, [&read, &connectionId](QList<CollectSessionConnection> &connections) {
        const auto known
            = std::find_if(connections.begin(), connections.end(),
                           [&connectionId](const CollectSessionConnection &c) { return c.id == connectionId; });
        if (known != connections.end())
            *known = std::move(read).value();
        else
            connections.append(std::move(read).value());
    });
}

void CollectSessionsModel::applyKey(const QString &keyId)
{
    Result<CollectSessionKey> read = m_service.key(keyId);
    if (!read) {
        readFailed(read.error());
        return;
    }
    const int row = rowOf(read->sessionId);
    if (row >= 0) {
        const QList<CollectSessionConnection> &known = rowAt(row).connections;
        if (std::none_of(known.cbegin(), known.cend(),
                         [&read](const CollectSessionConnection &c) { return c.id == read->connectionId; })) {
            applyConnection(read->connectionId); // read with its keys, this one among them
            return;
        }
    }
    changeConnections(read->sessionId, [&read, &keyId](QList<CollectSessionConnection> &connections) {
        for (CollectSessionConnection &connection : connections) {
            if (connection.id != read->connectionId)
                continue;
            const auto known = std::find_if(connection.keys.begin(), connection.keys.end(),
                                            [&keyId](const CollectSessionKey &k) { return k.id == keyId; });
            if (known != connection.keys.end())
                *known = std::move(read).value();
            else
                connection.keys.append(std::move(read).value());
            return;
        }
    });
}

bool CollectSessionsModel::sortsBefore(const CollectSession &a, const CollectSession &b) const
{
    return a.createdAt > b.createdAt || (a.createdAt == b.createdAt && a.id > b.id);
}

void CollectSessionsModel::readFailed(const Error &error)
{
    // Gone with its session meanwhile: the session's removal is on its way or already handled.
    if (error.kind != Error::Kind::NotFound)
        setLastError(error.message);
}

} // namespace keystead::ui
