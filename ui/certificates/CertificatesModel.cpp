#include "ui/certificates/CertificatesModel.h"

#include "ca/CertificateAuthorityService.h"
#include "common/Clock.h"
#include "ui/certificates/CertificateTexts.h"

#include <QFontDatabase>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <unordered_map>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// Far more than any console issues; it bounds the paging loop should the service misbehave.
constexpr int kMaxPages = 10'000;
constexpr int kPageSize = 100;

bool sameCertificate(const IssuedCertificate &a, const IssuedCertificate &b)
{
    return a.description == b.description && a.metadata == b.metadata && a.revokedAt == b.revokedAt
        && a.revocationReason == b.revocationReason && a.certificate == b.certificate
        && a.certificateAuthorityId == b.certificateAuthorityId;
}

QString keyTypeText(const IssuedCertificate &certificate)
{
    if (certificate.keyType == u"ed25519"_s)
        return u"Ed25519"_s;
    if (certificate.keyType == u"ecdsa"_s)
        return u"ECDSA"_s;
    if (certificate.keyType == u"rsa"_s)
        return u"RSA"_s;
    return certificate.keyType;
}

} // namespace

CertificatesModel::CertificatesModel(CertificateAuthorityService &service, const Clock &clock, QObject *parent)
    : QAbstractTableModel(parent)
    , m_service(service)
    , m_clock(clock)
    , m_timer(new QTimer(this))
{
    connect(&m_service, &CertificateAuthorityService::certificatesChanged, this, &CertificatesModel::refresh);
    // A CA renamed or deleted: the CA column follows.
    connect(&m_service, &CertificateAuthorityService::authoritiesChanged, this, &CertificatesModel::refresh);
    m_timer->setInterval(kDefaultReevaluateIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &CertificatesModel::reevaluate);
    m_timer->start();
    refresh();
}

int CertificatesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int CertificatesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CertificatesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const IssuedCertificate &certificate = row.certificate;
    const auto column = static_cast<Column>(index.column());

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Kind: return CertificateTexts::kind(certificate.kind);
        case Subject: return certificate.subjectFingerprint;
        case KeyType: return keyTypeText(certificate);
        case Principals: return certificate.principals.join(u", "_s);
        case Authority: return authorityName(certificate.certificateAuthorityId);
        case Serial: return QString::number(certificate.serial);
        case ValidFrom: return CertificateTexts::shortTime(certificate.validAfter);
        case ValidUntil: return CertificateTexts::shortTime(certificate.validUntil);
        case State: return CertificateTexts::state(row.state);
        case ColumnCount: break;
        }
        break;
    case Qt::DecorationRole:
        if (column == State)
            return CertificateTexts::stateIcon(row.state);
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Subject: return certificate.publicKey;
        case Principals:
            return certificate.principals.isEmpty()
                ? QVariant(tr("No principals: valid for any user or host the CA is trusted for"))
                : QVariant(certificate.principals.join(u'\n'));
        case Authority: return certificate.certificateAuthorityId;
        case Serial: return tr("Key id: %1").arg(certificate.keyId);
        case ValidFrom: return CertificateTexts::longTime(certificate.validAfter);
        case ValidUntil:
            if (row.expiring)
                return tr("Expires soon: %1").arg(CertificateTexts::longTime(certificate.validUntil));
            return CertificateTexts::longTime(certificate.validUntil);
        case State:
            if (certificate.revokedAt)
                return tr("Revoked %1: %2")
                    .arg(CertificateTexts::longTime(*certificate.revokedAt), certificate.revocationReason);
            break;
        case Kind:
        case KeyType:
        case ColumnCount: break;
        }
        break;
    case Qt::FontRole:
        if (column == Subject)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case Qt::BackgroundRole:
        if (row.expiring)
            return CertificateTexts::expiringColor();
        break;
    case Qt::TextAlignmentRole:
        if (column == Serial)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case SortRole:
        switch (column) {
        case Serial: return QVariant::fromValue(certificate.serial);
        case ValidFrom: return certificate.validAfter;
        case ValidUntil: return certificate.validUntil;
        case State: return static_cast<int>(row.state);
        case Kind:
        case Subject:
        case KeyType:
        case Principals:
        case Authority: return data(index, Qt::DisplayRole);
        case ColumnCount: break;
        }
        break;
    case IdRole: return certificate.id;
    case KindRole: return static_cast<int>(certificate.kind);
    case StateRole: return static_cast<int>(row.state);
    case AuthorityIdRole: return certificate.certificateAuthorityId;
    case ExpiringRole: return row.expiring;
    case MoreTextRole:
        return QStringList{certificate.keyId, certificate.description, certificate.id,
                           certificate.certificateAuthorityId, certificate.publicKey}
            .join(u' ');
    default: break;
    }
    return {};
}

QVariant CertificatesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Kind: return tr("Kind");
    case Subject: return tr("Subject fingerprint");
    case KeyType: return tr("Key type");
    case Principals: return tr("Principals");
    case Authority: return tr("CA");
    case Serial: return tr("Serial");
    case ValidFrom: return tr("Valid from");
    case ValidUntil: return tr("Valid until");
    case State: return tr("State");
    default: return {};
    }
}

int CertificatesModel::rowOf(const QString &id) const
{
    const auto found
        = std::find_if(m_rows.cbegin(), m_rows.cend(), [&id](const Row &row) { return row.certificate.id == id; });
    return found == m_rows.cend() ? -1 : static_cast<int>(found - m_rows.cbegin());
}

QModelIndex CertificatesModel::indexOf(const QString &id, int column) const
{
    const int row = rowOf(id);
    return row < 0 ? QModelIndex() : index(row, column);
}

QString CertificatesModel::authorityName(const QString &authorityId) const
{
    const auto found = m_authorityNames.constFind(authorityId);
    return found == m_authorityNames.cend() ? authorityId : found.value();
}

void CertificatesModel::setExpiryWarningDays(int days)
{
    if (m_warningDays == days)
        return;
    m_warningDays = days;
    reevaluate();
}

void CertificatesModel::setReevaluateInterval(int milliseconds)
{
    m_timer->start(milliseconds);
}

void CertificatesModel::judge(Row &row, const QDateTime &now) const
{
    row.state = row.certificate.state(now);
    row.expiring = m_warningDays > 0 && row.state == CertificateState::Valid
        && row.certificate.validUntil <= now.addSecs(qint64(m_warningDays) * 24 * 3600);
}

void CertificatesModel::reevaluate()
{
    const QDateTime now = m_clock.now();
    for (int row = 0; row < m_rows.size(); ++row) {
        Row &current = m_rows[row];
        const CertificateState state = current.state;
        const bool expiring = current.expiring;
        judge(current, now);
        if (current.state != state || current.expiring != expiring)
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    updateExpiringCount();
}

void CertificatesModel::updateExpiringCount()
{
    const int count
        = static_cast<int>(std::count_if(m_rows.cbegin(), m_rows.cend(), [](const Row &row) { return row.expiring; }));
    if (count == m_expiringCount)
        return;
    m_expiringCount = count;
    Q_EMIT expiringCountChanged(count);
}

void CertificatesModel::refresh()
{
    QList<IssuedCertificate> fresh;
    QString failure;
    CertificateQuery query;
    query.limit = kPageSize;
    for (int page = 0; page < kMaxPages; ++page) {
        Result<QList<IssuedCertificate>> listed = m_service.certificates(query);
        if (!listed) {
            failure = CertificateTexts::error(listed.error());
            break;
        }
        const qsizetype got = listed->size();
        if (got > 0)
            query.beforeId = listed->constLast().id;
        fresh.append(std::move(listed).value());
        if (got < kPageSize)
            break;
    }
    if (!failure.isEmpty()) {
        m_lastError = failure;
        Q_EMIT lastErrorChanged(m_lastError);
        return;
    }

    // The CA column names; a CA that failed to list keeps its id there.
    m_authorityNames.clear();
    if (Result<QList<CertificateAuthority>> authorities = m_service.authorities()) {
        for (const CertificateAuthority &authority : authorities.value())
            m_authorityNames.insert(authority.id, CertificateTexts::authorityName(authority));
    }

    const bool hadError = !m_lastError.isEmpty();
    m_lastError.clear();
    const QDateTime now = m_clock.now();
    std::unordered_map<QString, qsizetype> freshRows;
    for (qsizetype row = 0; row < fresh.size(); ++row)
        freshRows.emplace(fresh.at(row).id, row);

    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0; --row) {
        if (freshRows.find(m_rows.at(row).certificate.id) != freshRows.end())
            continue;
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
    }
    QSet<QString> known;
    for (Row &current : m_rows) {
        const IssuedCertificate &latest = fresh.at(freshRows.find(current.certificate.id)->second);
        known.insert(latest.id);
        if (!sameCertificate(current.certificate, latest))
            current.certificate = latest;
        judge(current, now);
    }
    // Besides the changed certificates, a CA's name or the time may have changed any row: one
    // announcement over all kept rows is cheaper than comparing each.
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(static_cast<int>(m_rows.size()) - 1, ColumnCount - 1));
    QList<Row> added;
    for (IssuedCertificate &certificate : fresh) {
        if (known.contains(certificate.id))
            continue;
        Row row;
        row.certificate = std::move(certificate);
        judge(row, now);
        added.append(std::move(row));
    }
    if (!added.isEmpty()) {
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        m_rows.append(std::move(added));
        endInsertRows();
    }
    updateExpiringCount();
    if (hadError)
        Q_EMIT lastErrorChanged(QString());
}

} // namespace keystead::ui
