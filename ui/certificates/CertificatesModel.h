#pragma once

#include "ca/CaRecords.h"
#include "ui/common/ChangeTableModel.h"

#include <QHash>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace keystead {
class CertificateAuthorityService;
class Clock;
} // namespace keystead

namespace keystead::ui {

// Every certificate ever issued (the history: revoked, expired, and those of
// deleted CAs too), newest first as the service lists them. The state of each
// row is judged with the Clock, again on a timer, so "valid" turns "expired"
// while the window stays open. Rows valid now that expire within the warning
// days are highlighted and counted. Follows the service's change events in
// place: "ca.certificate" ids are read again, "ca.authority" ids rename the CA column.
class CertificatesModel final : public ChangeTableModel<IssuedCertificate>
{
    Q_OBJECT

public:
    enum Column { Kind, Subject, KeyType, Principals, Authority, Serial, ValidFrom, ValidUntil, State, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value: times, serial as a number, state as its enum
        IdRole,
        KindRole, // int(CertificateKind)
        StateRole, // int(CertificateState), as judged at the last evaluation
        AuthorityIdRole,
        ExpiringRole, // bool
        MoreTextRole, // what a text filter also matches: key id, description, ids, the subject's key line
    };

    // How often the states are judged again when nothing else changes.
    static constexpr int kDefaultReevaluateIntervalMs = 30'000;

    CertificatesModel(CertificateAuthorityService &service, const Clock &clock, QObject *parent = nullptr);

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const IssuedCertificate &certificateAt(int row) const { return rowAt(row); }
    CertificateState stateAt(int row) const { return judgementAt(row).state; }
    bool isExpiringAt(int row) const { return judgementAt(row).expiring; }
    // How the CA of `authorityId` reads in the table; the id itself once the CA is deleted.
    QString authorityName(const QString &authorityId) const;

    // Certificates valid now that expire within this many days are "expiring"; 0 or less: none.
    void setExpiryWarningDays(int days);
    int expiryWarningDays() const { return m_warningDays; }
    int expiringCount() const { return m_expiringCount; }
    void setReevaluateInterval(int milliseconds);

public Q_SLOTS:
    // Reads every certificate and CA name (the first load, or again after a failed read).
    void refresh();
    // Reads the certificates the service named, or the names of the CAs it named.
    void applyChanges(const keystead::ChangeSet &changes);
    // Judges every row's state and expiry again with the Clock; changed rows are announced.
    void reevaluate();

Q_SIGNALS:
    void expiringCountChanged(int count);

protected:
    QString idOf(const IssuedCertificate &row) const override { return row.id; }

private:
    // A row's state and expiry as judged at the last evaluation.
    struct Judgement
    {
        CertificateState state = CertificateState::Valid;
        bool expiring = false;
        friend bool operator==(const Judgement &, const Judgement &) = default;
    };
    Judgement judge(const IssuedCertificate &certificate, const QDateTime &now) const;
    Judgement judgementAt(int row) const { return m_judged.value(rowAt(row).id); }
    void applyAuthorityChanges(const ChangeSet &changes);
    void updateExpiringCount();

    CertificateAuthorityService &m_service;
    const Clock &m_clock;
    bool m_loaded = false;
    QHash<QString, Judgement> m_judged; // by certificate id
    QHash<QString, QString> m_authorityNames;
    QTimer *m_timer = nullptr;
    int m_warningDays = 7;
    int m_expiringCount = 0;
};

} // namespace keystead::ui
