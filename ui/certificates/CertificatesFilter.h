#pragma once

#include "ca/CaRecords.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace keystead::ui {

// Sorts CertificatesModel by its raw values and keeps the rows of one kind, one
// CA, one state, and with a piece of text in any column or in the key id,
// description or subject key (any case). Each filter is off when unset.
class CertificatesFilter final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit CertificatesFilter(QObject *parent = nullptr);

    void setKindFilter(std::optional<CertificateKind> kind);
    std::optional<CertificateKind> kindFilter() const { return m_kind; }
    // A CA id; empty: every CA.
    void setAuthorityFilter(const QString &authorityId);
    QString authorityFilter() const { return m_authorityId; }
    void setStateFilter(std::optional<CertificateState> state);
    std::optional<CertificateState> stateFilter() const { return m_state; }
    // Only the rows that expire within the warning days.
    void setExpiringOnly(bool expiringOnly);
    bool expiringOnly() const { return m_expiringOnly; }
    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    std::optional<CertificateKind> m_kind;
    QString m_authorityId;
    std::optional<CertificateState> m_state;
    bool m_expiringOnly = false;
    QString m_text;
};

} // namespace keystead::ui
