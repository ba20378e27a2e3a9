#pragma once

#include "ca/CaRecords.h"
#include "ui/common/ChangeTableModel.h"

namespace keystead {
class CertificateAuthorityService;
}

namespace keystead::ui {

// Every certificate authority, as CertificateAuthorityService lists them (newest
// first), with what each issued and revoked. Follows the service's "ca.authority"
// change events (the counts move with the certificates, and the service names
// the CA then): each CA named is read again and its row changed, added or removed
// in place, so the selection survives a change made through the HTTP endpoint.
class CertificateAuthoritiesModel final : public ChangeTableModel<CertificateAuthority>
{
    Q_OBJECT

public:
    enum Column { Type, Fingerprint, Description, Issued, Revoked, Created, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value: key bits for Type, counts as numbers, times
        IdRole,
    };

    explicit CertificateAuthoritiesModel(CertificateAuthorityService &service, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const CertificateAuthority &authorityAt(int row) const { return rowAt(row); }
    const QList<CertificateAuthority> &authorities() const { return rows(); }

public Q_SLOTS:
    // Reads every CA (the first load, or again after a failed read).
    void refresh();
    void applyChanges(const keystead::ChangeSet &changes);

protected:
    QString idOf(const CertificateAuthority &row) const override { return row.id; }
    QString errorText(const Error &error) const override;

private:
    CertificateAuthorityService &m_service;
};

} // namespace keystead::ui
