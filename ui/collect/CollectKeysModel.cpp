#include "ui/collect/CollectKeysModel.h"

#include "collect/CollectService.h"
#include "ui/collect/CollectTexts.h"
#include "ui/common/Icons.h"

#include <QFontDatabase>
#include <QGuiApplication>
#include <QPalette>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

bool sameKey(const CollectSessionKey &a, const CollectSessionKey &b)
{
    return a.id == b.id && a.state == b.state && a.createdAt == b.createdAt && a.key == b.key;
}

bool sameConnection(const CollectSessionConnection &a, const CollectSessionConnection &b)
{
    return a.id == b.id && a.state == b.state && a.closedAt == b.closedAt && a.ipAddress == b.ipAddress
        && a.clientVersion == b.clientVersion && a.createdAt == b.createdAt;
}

} // namespace

CollectKeysModel::CollectKeysModel(CollectService &service, QObject *parent)
    : QAbstractItemModel(parent)
    , m_service(service)
    , m_connectionIcon(keysteadIcon(u"connections"))
    , m_keyIcon(keysteadIcon(u"keys"))
{
    // Automatic connection: the SSH server's thread emits these, and they arrive queued, in order.
    connect(&m_service, &CollectService::changed, this, &CollectKeysModel::applyChanges);
}

QModelIndex CollectKeysModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, kConnectionRow);
    return createIndex(row, column, static_cast<quintptr>(parent.row()) + 1);
}

QModelIndex CollectKeysModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == kConnectionRow)
        return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, kConnectionRow);
}

int CollectKeysModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return static_cast<int>(m_session.connections.size());
    if (parent.column() != 0 || parent.internalId() != kConnectionRow)
        return 0;
    return static_cast<int>(m_session.connections.at(parent.row()).keys.size());
}

int CollectKeysModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant CollectKeysModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (index.internalId() == kConnectionRow)
        return connectionData(m_session.connections.at(index.row()), index.column(), role);
    const CollectSessionConnection &connection
        = m_session.connections.at(static_cast<qsizetype>(index.internalId() - 1));
    return keyData(connection.keys.at(index.row()), index.column(), role);
}

QVariant CollectKeysModel::connectionData(const CollectSessionConnection &connection, int column, int role) const
{
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Item: return connection.ipAddress;
        case Fingerprint: return connection.clientVersion;
        case State: return CollectTexts::connectionState(connection.state);
        case Time: return CollectTexts::shortTime(connection.createdAt);
        default: break;
        }
        break;
    case Qt::DecorationRole:
        if (column == Item)
            return m_connectionIcon;
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Item: return tr("Connection from %1").arg(connection.ipAddress);
        case Fingerprint: return tr("What the client says it is; the client chooses these words.");
        case Time:
            if (connection.closedAt.isValid())
                return tr("%1 to %2")
                    .arg(CollectTexts::longTime(connection.createdAt), CollectTexts::longTime(connection.closedAt));
            return CollectTexts::longTime(connection.createdAt);
        default: break;
        }
        break;
    case SortRole:
        switch (column) {
        case Item: return connection.ipAddress;
        case Fingerprint: return connection.clientVersion;
        case State: return static_cast<int>(connection.state);
        case Time: return connection.createdAt;
        default: break;
        }
        break;
    case IdRole: return connection.id;
    case IsKeyRole: return false;
    default: break;
    }
    return {};
}

QVariant CollectKeysModel::keyData(const CollectSessionKey &key, int column, int role) const
{
    const bool discarded = key.state == CollectKeyState::Discarded;
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Item: return tr("%1 %2 bits").arg(key.key.typeLabel()).arg(key.key.bits());
        case Fingerprint: return key.key.fingerprintSha256();
        case State: return CollectTexts::keyState(key.state);
        case Time: return CollectTexts::shortTime(key.createdAt);
        default: break;
        }
        break;
    case Qt::DecorationRole:
        if (column == Item)
            return m_keyIcon;
        break;
    case Qt::FontRole:
        if (column == Fingerprint) {
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        }
        break;
    case Qt::ForegroundRole:
        // The user declined, or left before confirming: these keys are not to be trusted with access.
        if (discarded)
            return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Item: return key.key.algorithm();
        case Fingerprint: return key.key.fingerprintMd5();
        case State: return discarded ? tr("The user did not confirm: the key is kept as a record only.") : QVariant();
        case Time: return CollectTexts::longTime(key.createdAt);
        default: break;
        }
        break;
    case SortRole:
        switch (column) {
        case Item: return key.key.typeLabel();
        case Fingerprint: return key.key.fingerprintSha256();
        case State: return static_cast<int>(key.state);
        case Time: return key.createdAt;
        default: break;
        }
        break;
    case IdRole: return key.id;
    case IsKeyRole: return true;
    case AuthorizedKeysLineRole: return authorizedKeysLine(key);
    default: break;
    }
    return {};
}

QVariant CollectKeysModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Item: return tr("Connection / key");
    case Fingerprint: return tr("Client / fingerprint");
    case State: return tr("State");
    case Time: return tr("Time");
    default: return {};
    }
}

void CollectKeysModel::setSession(const CollectSession &session)
{
    if (session.id != m_session.id) {
        beginResetModel();
        m_session = session;
        endResetModel();
        return;
    }
    // The session's own fields; the connections shown stay as the ChangeSets made them.
    QList<CollectSessionConnection> shown = std::move(m_session.connections);
    m_session = session;
    m_session.connections = std::move(shown);
}

void CollectKeysModel::applyChanges(const ChangeSet &changes)
{
    if (m_session.id.isEmpty())
        return;
    if (changes.topic == CollectService::kSessionTopic && changes.removed.contains(m_session.id)) {
        clear();
        return;
    }
    // Connections closed (their keys may be discarded), then opened; keys collected.
    const bool connections = changes.topic == CollectService::kConnectionTopic;
    const bool keys = changes.topic == CollectService::kKeyTopic;
    for (const QString &id : connections ? changes.changed + changes.added : QStringList())
        applyConnection(id);
    for (const QString &id : keys ? changes.added : QStringList())
        applyKey(id);
}

void CollectKeysModel::applyConnection(const QString &connectionId)
{
    Result<CollectSessionConnection> read = m_service.connection(connectionId);
    if (!read)
        failed(read.error());
    else if (read->sessionId == m_session.id)
        putConnection(read.value());
}

void CollectKeysModel::applyKey(const QString &keyId)
{
    Result<CollectSessionKey> read = m_service.key(keyId);
    if (!read) {
        failed(read.error());
        return;
    }
    if (read->sessionId != m_session.id)
        return;
    const int row = connectionRowOf(read->connectionId);
    if (row < 0)
        applyConnection(read->connectionId); // read with its keys, this one among them
    else
        putKey(row, read.value());
}

void CollectKeysModel::putConnection(const CollectSessionConnection &fresh)
{
    const int row = connectionRowOf(fresh.id);
    if (row < 0) {
        const int end = static_cast<int>(m_session.connections.size());
        beginInsertRows({}, end, end);
        m_session.connections.append(fresh);
        endInsertRows();
        return;
    }
    CollectSessionConnection &mine = m_session.connections[row];
    if (!sameConnection(mine, fresh)) {
        QList<CollectSessionKey> keys = std::move(mine.keys);
        mine = fresh;
        mine.keys = std::move(keys);
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    // Closing may discard its keys: each one is repainted or added where it changed.
    for (const CollectSessionKey &key : fresh.keys)
        putKey(row, key);
}

void CollectKeysModel::putKey(int connectionRow, const CollectSessionKey &key)
{
    QList<CollectSessionKey> &keys = m_session.connections[connectionRow].keys;
    const QModelIndex parentIndex = index(connectionRow, 0);
    for (int keyRow = 0; keyRow < keys.size(); ++keyRow) {
        if (keys.at(keyRow).id != key.id)
            continue;
        if (!sameKey(keys.at(keyRow), key)) {
            keys[keyRow] = key;
            Q_EMIT dataChanged(index(keyRow, 0, parentIndex), index(keyRow, ColumnCount - 1, parentIndex));
        }
        return;
    }
    const int end = static_cast<int>(keys.size());
    beginInsertRows(parentIndex, end, end);
    keys.append(key);
    endInsertRows();
}

int CollectKeysModel::connectionRowOf(const QString &connectionId) const
{
    for (int row = 0; row < m_session.connections.size(); ++row) {
        if (m_session.connections.at(row).id == connectionId)
            return row;
    }
    return -1;
}

void CollectKeysModel::failed(const Error &error)
{
    // NotFound: gone with its session meanwhile; the session's removal is on its way.
    if (error.kind != Error::Kind::NotFound)
        Q_EMIT readFailed(error.message);
}

const CollectSessionKey *CollectKeysModel::keyAt(const QModelIndex &index) const
{
    if (!index.isValid() || !checkIndex(index) || index.internalId() == kConnectionRow)
        return nullptr;
    return &m_session.connections.at(static_cast<qsizetype>(index.internalId() - 1)).keys.at(index.row());
}

const CollectSessionConnection *CollectKeysModel::connectionAt(const QModelIndex &index) const
{
    if (!index.isValid() || !checkIndex(index))
        return nullptr;
    const qsizetype row
        = index.internalId() == kConnectionRow ? index.row() : static_cast<qsizetype>(index.internalId() - 1);
    return &m_session.connections.at(row);
}

QModelIndex CollectKeysModel::indexOfKey(const QString &keyId, int column) const
{
    for (int row = 0; row < m_session.connections.size(); ++row) {
        const QList<CollectSessionKey> &keys = m_session.connections.at(row).keys;
        for (int keyRow = 0; keyRow < keys.size(); ++keyRow) {
            if (keys.at(keyRow).id == keyId)
                return index(keyRow, column, index(row, 0));
        }
    }
    return {};
}

QString CollectKeysModel::authorizedKeysLine(const CollectSessionKey &key) const
{
    // The comment says where the key came from when the file is read months later.
    return key.key.openSshLine(u"keystead-collect:"_s + m_session.connectionIdentifier);
}

QString CollectKeysModel::authorizedKeysFile() const
{
    QString text;
    for (const CollectSessionConnection &connection : m_session.connections) {
        for (const CollectSessionKey &key : connection.keys) {
            if (key.state == CollectKeyState::Collected)
                text += authorizedKeysLine(key) + u'\n';
        }
    }
    return text;
}

} // namespace keystead::ui
