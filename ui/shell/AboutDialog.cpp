#include "ui/shell/AboutDialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <libssh/libssh.h>
#include <openssl/crypto.h>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

QString qtVersion()
{
    // The two differ when the distribution updates Qt under an installed binary.
    const QString running = QString::fromLatin1(qVersion());
    const QString built = QStringLiteral(QT_VERSION_STR);
    return running == built ? running : u"%1 (built with %2)"_s.arg(running, built);
}

QString libsshVersion()
{
    return QString::fromLatin1(ssh_version(0));
}

QString opensslVersion()
{
    return QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION));
}

} // namespace

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("About Keystead"));

    auto *name = new QLabel(tr("Keystead %1").arg(QStringLiteral(KEYSTEAD_VERSION)), this);
    name->setObjectName(u"name"_s);
    QFont nameFont = name->font();
    nameFont.setPointSizeF(nameFont.pointSizeF() * 1.5);
    nameFont.setBold(true);
    name->setFont(nameFont);

    auto *description
        = new QLabel(tr("A desktop console for SSH access: keys, certificates, connections and host keys."), this);
    description->setWordWrap(true);

    auto *versions = new QFormLayout;
    versions->setLabelAlignment(Qt::AlignLeft);
    for (const auto &[library, version] : {std::pair{u"Qt"_s, qtVersion()}, std::pair{u"libssh"_s, libsshVersion()},
                                           std::pair{u"OpenSSL"_s, opensslVersion()}}) {
        auto *value = new QLabel(version, this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        versions->addRow(library + u':', value);
    }

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *copy = buttons->addButton(tr("Copy versions"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [] { QGuiApplication::clipboard()->setText(versionReport()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *text = new QVBoxLayout;
    text->addWidget(name);
    text->addWidget(description);
    text->addSpacing(8);
    text->addLayout(versions);

    auto *top = new QHBoxLayout;
    const QIcon icon = QApplication::windowIcon();
    if (!icon.isNull()) {
        auto *iconLabel = new QLabel(this);
        iconLabel->setPixmap(icon.pixmap(64, 64));
        iconLabel->setAlignment(Qt::AlignTop);
        top->addWidget(iconLabel);
        top->addSpacing(12);
    }
    top->addLayout(text, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addSpacing(8);
    layout->addWidget(buttons);
    setMinimumWidth(440);
}

QString AboutDialog::versionReport()
{
    return u"Keystead %1\nQt %2\nlibssh %3\n%4\n"_s.arg(QStringLiteral(KEYSTEAD_VERSION), qtVersion(), libsshVersion(),
                                                        opensslVersion());
}

} // namespace keystead::ui
