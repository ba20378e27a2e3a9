#pragma once

#include <QtGlobal>

QT_BEGIN_NAMESPACE
class QCoreApplication;
class QLocale;
QT_END_NAMESPACE

namespace keystead::ui {

// Installs Keystead's catalogue (compiled in, :/i18n/keystead_<lang>.qm) and Qt's
// own (qtbase, where the system has it) for `locale`; English needs neither.
// Returns whether Keystead's catalogue was found.
bool installTranslations(QCoreApplication &app, const QLocale &locale);
// For QLocale(): the locale of the environment (LANG, LC_ALL, LC_MESSAGES).
bool installTranslations(QCoreApplication &app);

} // namespace keystead::ui
