#include "ui/settings/TokensModel.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// Unambiguous in every locale, and it sorts as it reads.
QString shortTime(const QDateTime &time)
{
    return time.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s);
}

QString longTime(const QDateTime &time)
{
    return QLocale().toString(time.toLocalTime(), QLocale::LongFormat);
}

bool sameRow(const ApiToken &a, const ApiToken &b)
{
    return a.id == b.id && a.name == b.name && a.createdAt == b.createdAt && a.lastUsedAt == b.lastUsedAt
        && a.revokedAt == b.revokedAt && a.scopes == b.scopes;
}

QString scopesText(TokenScopes scopes)
{
    QStringList words;
    if (scopes.testFlag(TokenScope::Read))
        words.append(QCoreApplication::translate("TokensModel", "read"));
    if (scopes.testFlag(TokenScope::Write))
        words.append(QCoreApplication::translate("TokensModel", "write"));
    if (scopes.testFlag(TokenScope::RevealSecrets))
        words.append(QCoreApplication::translate("TokensModel", "reveal secrets"));
    return words.join(u", "_s);
}

} // namespace

TokensModel::TokensModel(TokenService &tokens, QObject *parent)
    : QAbstractTableModel(parent)
    , m_service(tokens)
{
    connect(&m_service, &TokenService::tokensChanged, this, &TokensModel::refresh);
    refresh();
}

int TokensModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TokensModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TokensModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ApiToken &token = m_rows.at(index.row());
    const auto column = static_cast<Column>(index.column());

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Name: return token.name;
        case Scopes: return scopesText(token.scopes);
        case Created: return shortTime(token.createdAt);
        case LastUsed: return token.lastUsedAt.isNull() ? tr("never") : shortTime(token.lastUsedAt);
        case State: return token.isActive() ? tr("active") : tr("revoked");
        case ColumnCount: break;
        }
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Created: return longTime(token.createdAt);
        case LastUsed: return token.lastUsedAt.isNull() ? QVariant() : QVariant(longTime(token.lastUsedAt));
        case State: return token.isActive() ? QVariant() : QVariant(tr("Revoked on %1").arg(longTime(token.revokedAt)));
        case Scopes:
            return token.allows(TokenScope::RevealSecrets)
                ? QVariant(tr("This token can read private keys and passwords in plain text."))
                : QVariant();
        case Name:
        case ColumnCount: break;
        }
        break;
    case Qt::ForegroundRole:
        // A revoked token stays listed as a record; greyed, it does not read as usable.
        if (!token.isActive())
            return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
        break;
    case SortRole:
        switch (column) {
        case Name: return token.name;
        case Scopes: return token.scopes.toInt();
        case Created: return token.createdAt;
        case LastUsed: return token.lastUsedAt;
        case State: return token.isActive();
        case ColumnCount: break;
        }
        break;
    case IdRole: return token.id;
    default: break;
    }
    return {};
}

QVariant TokensModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Name");
    case Scopes: return tr("May");
    case Created: return tr("Created");
    case LastUsed: return tr("Last used");
    case State: return tr("State");
    default: return {};
    }
}

int TokensModel::rowOf(const QString &id) const
{
    const auto found
        = std::find_if(m_rows.cbegin(), m_rows.cend(), [&id](const ApiToken &token) { return token.id == id; });
    return found == m_rows.cend() ? -1 : static_cast<int>(found - m_rows.cbegin());
}

void TokensModel::refresh()
{
    Result<QList<ApiToken>> listed = m_service.list();
    if (!listed) {
        m_lastError = listed.error().message;
        Q_EMIT refreshFailed(m_lastError);
        return;
    }
    m_lastError.clear();
    QList<ApiToken> fresh = std::move(listed).value();

    // Creating, revoking and using a token append rows or change them in place:
    // keep the rows then, so a view keeps its selection and scroll position.
    const bool onlyAppendedOrChanged = fresh.size() >= m_rows.size()
        && std::equal(m_rows.cbegin(), m_rows.cend(), fresh.cbegin(),
                      [](const ApiToken &a, const ApiToken &b) { return a.id == b.id; });
    if (!onlyAppendedOrChanged) {
        beginResetModel();
        m_rows = std::move(fresh);
        endResetModel();
        return;
    }

    int firstChanged = -1;
    int lastChanged = -1;
    for (int row = 0; row < static_cast<int>(m_rows.size()); ++row) {
        if (sameRow(m_rows.at(row), fresh.at(row)))
            continue;
        m_rows[row] = fresh.at(row);
        if (firstChanged < 0)
            firstChanged = row;
        lastChanged = row;
    }
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1));

    if (fresh.size() > m_rows.size()) {
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, static_cast<int>(fresh.size()) - 1);
        m_rows.append(fresh.mid(first));
        endInsertRows();
    }
}

} // namespace keystead::ui
