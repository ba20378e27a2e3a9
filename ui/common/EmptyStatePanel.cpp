#include "ui/common/EmptyStatePanel.h"

#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QVBoxLayout>

namespace keystead::ui {

namespace {
constexpr int kIconSize = 64;
constexpr int kTextWidth = 460; // a comfortable reading measure at the default font size
} // namespace

EmptyStatePanel::EmptyStatePanel(const QIcon &icon, const QString &title, const QString &text, QWidget *parent)
    : QWidget(parent)
{
    auto *iconLabel = new QLabel(this);
    // The disabled rendering greys the icon: an empty state should not look like a button.
    iconLabel->setPixmap(icon.pixmap(kIconSize, kIconSize, QIcon::Disabled));
    iconLabel->setAlignment(Qt::AlignHCenter);

    m_title = new QLabel(title, this);
    m_title->setAlignment(Qt::AlignHCenter);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    m_title->setFont(titleFont);

    m_text = new QLabel(text, this);
    m_text->setAlignment(Qt::AlignHCenter);
    m_text->setWordWrap(true);
    m_text->setForegroundRole(QPalette::PlaceholderText);

    // A column of reading width, centred: a word-wrapped label gets the height
    // for its width only when the layout does not align it.
    auto *column = new QVBoxLayout;
    column->addWidget(iconLabel);
    column->addSpacing(12);
    column->addWidget(m_title);
    column->addSpacing(6);
    column->addWidget(m_text);
    auto *columnWidget = new QWidget(this);
    columnWidget->setLayout(column);
    columnWidget->setMaximumWidth(kTextWidth);
    columnWidget->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    auto *centred = new QHBoxLayout;
    centred->addStretch(1);
    centred->addWidget(columnWidget, 4);
    centred->addStretch(1);

    auto *layout = new QVBoxLayout(this);
    layout->addStretch(2);
    layout->addLayout(centred);
    layout->addStretch(3);
}

QString EmptyStatePanel::title() const
{
    return m_title->text();
}

QString EmptyStatePanel::text() const
{
    return m_text->text();
}

} // namespace keystead::ui
