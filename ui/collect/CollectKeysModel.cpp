#include "ui/collect/CollectKeysModel.h"

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

// Connections and keys only ever get added at the end and change in place; anything
// else (another session, a row gone) is a new picture.
template <typename T>
bool extendsByAppending(const QList<T> &old, const QList<T> &fresh)
{
    if (fresh.size() < old.size())
        return false;
    for (qsizetype i = 0; i < old.size(); ++i) {
        if (old.at(i).id != fresh.at(i).id)
            return false;
    }
    return true;
}

} // namespace

CollectKeysModel::CollectKeysModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_connectionIcon(keysteadIcon(u"connections"))
    , m_keyIcon(keysteadIcon(u"keys"))
{
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
    if (session.id != m_session.id || !extendsByAppending(m_session.connections, session.connections)) {
        beginResetModel();
        m_session = session;
        endResetModel();
        return;
    }
    const int known = static_cast<int>(m_session.connections.size());
    const QList<CollectSessionConnection> &fresh = session.connections;
    // The session's own fields first (the identifier names the keys); its
    // connections row by row below, each with the signal it calls for.
    QList<CollectSessionConnection> shown = std::move(m_session.connections);
    m_session = session;
    m_session.connections = std::move(shown);
    for (int row = 0; row < known; ++row)
        updateConnection(row, fresh.at(row));
    if (fresh.size() > known) {
        beginInsertRows({}, known, static_cast<int>(fresh.size()) - 1);
        m_session.connections.append(fresh.mid(known));
        endInsertRows();
    }
}

void CollectKeysModel::updateConnection(int row, const CollectSessionConnection &fresh)
{
    CollectSessionConnection &mine = m_session.connections[row];
    if (!extendsByAppending(mine.keys, fresh.keys)) {
        // A key gone from a connection does not happen; should it, the connection's rows are redrawn.
        const QModelIndex parentIndex = index(row, 0);
        if (!mine.keys.isEmpty()) {
            beginRemoveRows(parentIndex, 0, static_cast<int>(mine.keys.size()) - 1);
            mine.keys.clear();
            endRemoveRows();
        }
    }
    if (!sameConnection(mine, fresh)) {
        const QList<CollectSessionKey> keys = mine.keys;
        mine = fresh;
        mine.keys = keys;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    const QModelIndex parentIndex = index(row, 0);
    const int knownKeys = static_cast<int>(mine.keys.size());
    int firstChanged = -1;
    int lastChanged = -1;
    for (int keyRow = 0; keyRow < knownKeys; ++keyRow) {
        if (sameKey(mine.keys.at(keyRow), fresh.keys.at(keyRow)))
            continue;
        mine.keys[keyRow] = fresh.keys.at(keyRow);
        if (firstChanged < 0)
            firstChanged = keyRow;
        lastChanged = keyRow;
    }
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0, parentIndex), index(lastChanged, ColumnCount - 1, parentIndex));
    if (fresh.keys.size() > knownKeys) {
        beginInsertRows(parentIndex, knownKeys, static_cast<int>(fresh.keys.size()) - 1);
        mine.keys.append(fresh.keys.mid(knownKeys));
        endInsertRows();
    }
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
