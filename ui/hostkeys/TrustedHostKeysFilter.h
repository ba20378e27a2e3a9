#pragma once

#include <QSortFilterProxyModel>

#include <optional>

namespace keystead::ui {

// Sorts TrustedHostKeysModel by its raw values and keeps the rows of one key
// type, one port, and an address containing a piece of text (any case).
class TrustedHostKeysFilter final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit TrustedHostKeysFilter(QObject *parent = nullptr);

    void setTypeFilter(const QString &type); // empty: any type
    QString typeFilter() const { return m_type; }
    void setPortFilter(std::optional<int> port); // nullopt: any port
    std::optional<int> portFilter() const { return m_port; }
    void setAddressFilter(const QString &text); // empty: any address
    QString addressFilter() const { return m_address; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_type;
    std::optional<int> m_port;
    QString m_address;
};

} // namespace keystead::ui
