#include "ui/certificates/CertificateAuthoritiesModel.h"

#include "ca/CertificateAuthorityService.h"
#include "ui/certificates/CertificateTexts.h"

#include <QFontDatabase>
#include <QSet>

#include <algorithm>
#include <unordered_map>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

bool sameAuthority(const CertificateAuthority &a, const CertificateAuthority &b)
{
    return a.description == b.description && a.metadata == b.metadata && a.fingerprint == b.fingerprint
        && a.certificatesIssued == b.certificatesIssued && a.certificatesRevoked == b.certificatesRevoked
        && a.createdAt == b.createdAt;
}

} // namespace

CertificateAuthoritiesModel::CertificateAuthoritiesModel(CertificateAuthorityService &service, QObject *parent)
    : QAbstractTableModel(parent)
    , m_service(service)
{
    // Automatic connections: a change made through the HTTP endpoint arrives queued, on this thread.
    connect(&m_service, &CertificateAuthorityService::authoritiesChanged, this, &CertificateAuthoritiesModel::refresh);
    connect(&m_service, &CertificateAuthorityService::certificatesChanged, this, &CertificateAuthoritiesModel::refresh);
    refresh();
}

int CertificateAuthoritiesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int CertificateAuthoritiesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CertificateAuthoritiesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CertificateAuthority &authority = m_rows.at(index.row());
    const auto column = static_cast<Column>(index.column());

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Type: return CertificateTexts::authorityType(authority);
        case Fingerprint: return authority.fingerprint;
        case Description: return authority.description;
        case Issued: return authority.certificatesIssued;
        case Revoked: return authority.certificatesRevoked;
        case Created: return CertificateTexts::shortTime(authority.createdAt);
        case ColumnCount: break;
        }
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Type: return authority.publicKey.algorithm();
        case Fingerprint: return authority.id;
        case Description:
            return authority.metadata.isEmpty() ? QVariant() : QVariant(tr("Metadata: %1").arg(authority.metadata));
        case Created: return CertificateTexts::longTime(authority.createdAt);
        case Issued:
        case Revoked:
        case ColumnCount: break;
        }
        break;
    case Qt::FontRole:
        if (column == Fingerprint)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case Qt::TextAlignmentRole:
        if (column == Issued || column == Revoked)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case SortRole:
        switch (column) {
        case Type:
            return QString(authority.keyType + u' ' + u"%1"_s.arg(authority.publicKey.bits(), 6, 10, QChar(u'0')));
        case Issued: return authority.certificatesIssued;
        case Revoked: return authority.certificatesRevoked;
        case Created: return authority.createdAt;
        case Fingerprint:
        case Description: return data(index, Qt::DisplayRole);
        case ColumnCount: break;
        }
        break;
    case IdRole: return authority.id;
    default: break;
    }
    return {};
}

QVariant CertificateAuthoritiesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Type: return tr("Type");
    case Fingerprint: return tr("Fingerprint");
    case Description: return tr("Description");
    case Issued: return tr("Issued");
    case Revoked: return tr("Revoked");
    case Created: return tr("Created");
    default: return {};
    }
}

int CertificateAuthoritiesModel::rowOf(const QString &id) const
{
    const auto found = std::find_if(m_rows.cbegin(), m_rows.cend(),
                                    [&id](const CertificateAuthority &authority) { return authority.id == id; });
    return found == m_rows.cend() ? -1 : static_cast<int>(found - m_rows.cbegin());
}

QModelIndex CertificateAuthoritiesModel::indexOf(const QString &id, int column) const
{
    const int row = rowOf(id);
    return row < 0 ? QModelIndex() : index(row, column);
}

void CertificateAuthoritiesModel::refresh()
{
    Result<QList<CertificateAuthority>> listed = m_service.authorities();
    if (!listed) {
        m_lastError = CertificateTexts::error(listed.error());
        Q_EMIT lastErrorChanged(m_lastError);
        return;
    }
    const bool hadError = !m_lastError.isEmpty();
    m_lastError.clear();
    QList<CertificateAuthority> fresh = std::move(listed).value();
    std::unordered_map<QString, qsizetype> freshRows;
    for (qsizetype row = 0; row < fresh.size(); ++row)
        freshRows.emplace(fresh.at(row).id, row);

    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0; --row) {
        if (freshRows.find(m_rows.at(row).id) != freshRows.end())
            continue;
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
    }
    QSet<QString> known;
    for (int row = 0; row < m_rows.size(); ++row) {
        const auto found = freshRows.find(m_rows.at(row).id);
        const CertificateAuthority &now = fresh.at(found->second);
        known.insert(now.id);
        if (sameAuthority(m_rows.at(row), now))
            continue;
        m_rows[row] = now;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    QList<CertificateAuthority> added;
    for (CertificateAuthority &authority : fresh) {
        if (!known.contains(authority.id))
            added.append(std::move(authority));
    }
    if (!added.isEmpty()) {
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        m_rows.append(std::move(added));
        endInsertRows();
    }
    if (hadError)
        Q_EMIT lastErrorChanged(QString());
}

} // namespace keystead::ui
