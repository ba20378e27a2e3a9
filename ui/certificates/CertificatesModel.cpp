#include "ui/certificates/CertificatesModel.h"

#include "ca/CertificateAuthorityService.h"
#include "common/Clock.h"
#include "ui/certificates/CertificateTexts.h"

#include <QFontDatabase>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// Far more than any console issues; it bounds the paging loop should the service misbehave.
constexpr int kMaxPages = 10'000;
constexpr int kPageSize = 100;

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
    : ChangeTableModel<IssuedCertificate>(parent)
    , m_service(service)
    , m_clock(clock)
    , m_timer(new QTimer(this))
{
    // Certificates issued, changed or deleted; a CA renamed or deleted (the CA column follows).
    connect(&m_service, &CertificateAuthorityService::changed, this, &CertificatesModel::applyChanges);
    m_timer->setInterval(kDefaultReevaluateIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &CertificatesModel::reevaluate);
    m_timer->start();
    refresh();
}

int CertificatesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CertificatesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const IssuedCertificate &certificate = rowAt(index.row());
    const Judgement row = m_judged.value(certificate.id);
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

CertificatesModel::Judgement CertificatesModel::judge(const IssuedCertificate &certificate, const QDateTime &now) const
{
    Judgement judgement;
    judgement.state = certificate.state(now);
    judgement.expiring = m_warningDays > 0 && judgement.state == CertificateState::Valid
        && certificate.validUntil <= now.addSecs(qint64(m_warningDays) * 24 * 3600);
    return judgement;
}

void CertificatesModel::reevaluate()
{
    const QDateTime now = m_clock.now();
    for (int row = 0; row < rowCount(); ++row) {
        const IssuedCertificate &certificate = rowAt(row);
        const Judgement judgement = judge(certificate, now);
        Judgement &current = m_judged[certificate.id];
        if (current == judgement)
            continue;
        current = judgement;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    updateExpiringCount();
}

void CertificatesModel::updateExpiringCount()
{
    const int count = static_cast<int>(std::count_if(m_judged.cbegin(), m_judged.cend(),
                                                     [](const Judgement &judgement) { return judgement.expiring; }));
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
        setLastError(failure);
        return;
    }

    // The CA column names; a CA that failed to list keeps its id there.
    m_authorityNames.clear();
    if (Result<QList<CertificateAuthority>> authorities = m_service.authorities()) {
        for (const CertificateAuthority &authority : authorities.value())
            m_authorityNames.insert(authority.id, CertificateTexts::authorityName(authority));
    }

    const QDateTime now = m_clock.now();
    m_judged.clear();
    for (const IssuedCertificate &certificate : std::as_const(fresh))
        m_judged.insert(certificate.id, judge(certificate, now));
    m_loaded = true;
    resetRows(std::move(fresh));
    updateExpiringCount();
    setLastError(QString());
}

void CertificatesModel::applyChanges(const ChangeSet &changes)
{
    if (!m_loaded) {
        refresh();
        return;
    }
    if (changes.topic == CertificateAuthorityService::kAuthorityTopic) {
        applyAuthorityChanges(changes);
        return;
    }
    if (changes.topic != CertificateAuthorityService::kCertificateTopic)
        return;
    const QDateTime now = m_clock.now();
    QString failure;
    const auto fetch = [&](const QString &id) -> std::optional<IssuedCertificate> {
        Result<IssuedCertificate> certificate = m_service.certificate(id);
        if (certificate) {
            // Judged before the row is announced, so views read the new state.
            m_judged.insert(id, judge(certificate.value(), now));
            return std::move(certificate).value();
        }
        if (certificate.error().kind == Error::Kind::NotFound) {
            m_judged.remove(id);
            return std::nullopt; // deleted
        }
        // Not read: the row stays as it was, the panel shows why.
        failure = CertificateTexts::error(certificate.error());
        const int row = rowOf(id);
        return row < 0 ? std::nullopt : std::optional<IssuedCertificate>(rowAt(row));
    };
    for (const QString &id : changes.removed)
        m_judged.remove(id);
    apply(changes, fetch);
    updateExpiringCount();
    setLastError(failure);
}

void CertificatesModel::applyAuthorityChanges(const ChangeSet &changes)
{
    QStringList renamed = changes.removed;
    for (const QString &id : changes.removed)
        m_authorityNames.remove(id);
    for (const QString &id : changes.added + changes.changed) {
        Result<CertificateAuthority> authority = m_service.authority(id);
        if (!authority) {
            m_authorityNames.remove(id);
        } else {
            const QString name = CertificateTexts::authorityName(authority.value());
            if (m_authorityNames.value(id) == name)
                continue;
            m_authorityNames.insert(id, name);
        }
        renamed.append(id);
    }
    if (renamed.isEmpty())
        return;
    for (int row = 0; row < rowCount(); ++row) {
        if (renamed.contains(rowAt(row).certificateAuthorityId))
            Q_EMIT dataChanged(index(row, Authority), index(row, Authority));
    }
}

} // namespace keystead::ui
