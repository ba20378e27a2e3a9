#include "ui/common/Translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

bool install(QCoreApplication &app, const QLocale &locale, const QString &catalogue, const QString &folder)
{
    // Parented to the application: a translator must live as long as anything is translated.
    auto *translator = new QTranslator(&app);
    if (!translator->load(locale, catalogue, u"_"_s, folder) || !QCoreApplication::installTranslator(translator)) {
        delete translator;
        return false;
    }
    return true;
}

} // namespace

bool installTranslations(QCoreApplication &app, const QLocale &locale)
{
    // Qt's dialogs (buttons such as Cancel, file dialogs) translate themselves with qtbase.
    install(app, locale, u"qtbase"_s, QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    return install(app, locale, u"keystead"_s, u":/i18n"_s);
}

bool installTranslations(QCoreApplication &app)
{
    return installTranslations(app, QLocale());
}

} // namespace keystead::ui
