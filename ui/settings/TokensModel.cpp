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
    : ChangeTableModel<ApiToken>(parent)
    , m_service(tokens)
{
    connect(&m_service, &TokenService::changed, this, &TokensModel::applyChanges);
    Result<QList<ApiToken>> listed = m_service.list();
    if (!listed) {
        m_lastError = listed.error().message;
        return;
    }
    resetRows(std::move(listed).value());
}

void TokensModel::applyChanges(const ChangeSet &changes)
{
    apply(changes, [this](const QString &id) -> std::optional<ApiToken> {
        Result<std::optional<ApiToken>> found = m_service.find(id);
        if (!found) {
            m_lastError = found.error().message;
            Q_EMIT refreshFailed(m_lastError);
            // Unreadable now: keep the row as it was rather than drop it.
            const int row = indexOfId(id);
            return row >= 0 ? std::optional<ApiToken>(rowAt(row)) : std::nullopt;
        }
        return found.value();
    });
}

int TokensModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TokensModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ApiToken &token = rowAt(index.row());
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

void TokensModel::refresh()
{
    Result<QList<ApiToken>> listed = m_service.list();
    if (!listed) {
        m_lastError = listed.error().message;
        Q_EMIT refreshFailed(m_lastError);
        return;
    }
    m_lastError.clear();
    // Rows in place: tokens are never deleted, so a refresh only changes rows
    // ("last used", revoked elsewhere) or appends the ones another instance made.
    QStringList present;
    for (const ApiToken &token : std::as_const(listed.value())) {
        present.append(token.id);
        const int row = indexOfId(token.id);
        if (row < 0 || !sameRow(rowAt(row), token))
            upsert(token.id, token);
    }
    for (const ApiToken &token : QList<ApiToken>(rows()))
        if (!present.contains(token.id))
            removeId(token.id);
}

} // namespace keystead::ui
