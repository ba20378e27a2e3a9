#pragma once

#include <QString>

// What the parts of CertificatesPanel (CertificatesPanel*.cpp) share.
namespace keystead::ui::certificatespanel {

inline constexpr int kContentPage = 0;
inline constexpr int kEmptyPage = 1;
inline constexpr int kMaxWarningDays = 3650;

// The object name of the detail pane's field `field`, for tests and accessibility.
inline QString detailObjectName(const QString &field)
{
    return QStringLiteral("detail_") + field;
}

} // namespace keystead::ui::certificatespanel
