#include "ui/certificates/CertificateAuthoritiesModel.h"

#include "ca/CertificateAuthorityService.h"
#include "ui/certificates/CertificateTexts.h"

#include <QFontDatabase>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

CertificateAuthoritiesModel::CertificateAuthoritiesModel(CertificateAuthorityService &service, QObject *parent)
    : ChangeTableModel<CertificateAuthority>(ColumnCount, parent)
    , m_service(service)
{
    // A change made through the HTTP endpoint arrives queued, on this thread.
    follow(m_service, &CertificateAuthoritiesModel::refresh, &CertificateAuthoritiesModel::applyChanges);
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

QVariant CertificateAuthoritiesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CertificateAuthority &authority = rowAt(index.row());
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
    case Qt::FontRole:
        if (column == Fingerprint)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
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

void CertificateAuthoritiesModel::refresh()
{
    load(m_service.authorities());
}

void CertificateAuthoritiesModel::applyChanges(const ChangeSet &changes)
{
    if (changes.topic == CertificateAuthorityService::kAuthorityTopic
        && !applyReads(changes, [this](const QString &id) { return m_service.authority(id); }))
        refresh();
}

QString CertificateAuthoritiesModel::errorText(const Error &error) const
{
    return CertificateTexts::error(error);
}

} // namespace keystead::ui
