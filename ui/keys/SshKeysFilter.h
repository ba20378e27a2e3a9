#pragma once

#include <QSortFilterProxyModel>

namespace keystead::ui {

// Sorts SshKeysModel by its raw values and keeps the rows that carry a tag and
// contain a piece of text in any column (any case).
class SshKeysFilter final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit SshKeysFilter(QObject *parent = nullptr);

    // Empty: any text.
    void setTextFilter(const QString &text);
    QString textFilter() const { return m_text; }
    // Empty: any tag (or none); otherwise exactly this tag.
    void setTagFilter(const QString &tag);
    QString tagFilter() const { return m_tag; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    QString m_tag;
};

} // namespace keystead::ui
