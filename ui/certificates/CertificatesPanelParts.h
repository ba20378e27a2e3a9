#pragma once

#include <QString>

#include <span>

// What the parts of CertificatesPanel share: CertificatesPanel.cpp (building the
// panel), CertificatesPanelActions.cpp (the detail pane, selection, dialogs and
// writes) and CertificatesPanelState.cpp (what it shows and answers). Their tr()
// texts keep the order they had in one file, so the translations stay as they are.
namespace keystead::ui::certificatespanel {

inline constexpr int kContentPage = 0;
inline constexpr int kEmptyPage = 1;
inline constexpr int kMaxWarningDays = 3650;

// One field of the detail pane: its name and its label (translated in CertificatesPanel's context).
struct DetailField
{
    const char *field;
    const char *label;
};

// The detail pane's fields, in the order shown.
std::span<const DetailField> detailFields();

// The object name of the detail pane's field `field`, for tests and accessibility.
inline QString detailObjectName(const QString &field)
{
    return QStringLiteral("detail_") + field;
}

} // namespace keystead::ui::certificatespanel
