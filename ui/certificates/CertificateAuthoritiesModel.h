#pragma once

#include "ca/CaRecords.h"

#include <QAbstractTableModel>

namespace keystead {
class CertificateAuthorityService;
}

namespace keystead::ui {

// Every certificate authority, as CertificateAuthorityService lists them (newest
// first), with what each issued and revoked. Follows authoritiesChanged and
// certificatesChanged (the counts move with the certificates); rows are merged
// by id, so the selection survives a change made through the HTTP endpoint.
class CertificateAuthoritiesModel final : public QAbstractTableModel
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

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const CertificateAuthority &authorityAt(int row) const { return m_rows.at(row); }
    const QList<CertificateAuthority> &authorities() const { return m_rows; }
    int rowOf(const QString &id) const;
    QModelIndex indexOf(const QString &id, int column = Type) const;
    // Empty while the last read worked.
    QString lastError() const { return m_lastError; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    // A read failed (the message), or works again after failing (empty).
    void lastErrorChanged(const QString &message);

private:
    CertificateAuthorityService &m_service;
    QList<CertificateAuthority> m_rows;
    QString m_lastError;
};

} // namespace keystead::ui
