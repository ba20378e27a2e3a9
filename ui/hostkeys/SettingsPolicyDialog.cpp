#include "ui/hostkeys/SettingsPolicyDialog.h"

#include "audit/AuditLog.h"
#include "settings/SshSettingsService.h"
#include "ui/common/ErrorLabel.h"
#include "ui/hostkeys/HostKeyTexts.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr AlgorithmList kLists[]
    = {AlgorithmList::Cipher, AlgorithmList::Kex, AlgorithmList::Mac, AlgorithmList::Compression};

QString listName(AlgorithmList list)
{
    switch (list) {
    case AlgorithmList::Cipher: return u"cipher"_s;
    case AlgorithmList::Kex: return u"kex"_s;
    case AlgorithmList::Mac: return u"mac"_s;
    case AlgorithmList::Compression: return u"compression"_s;
    }
    return {};
}

QString sideName(PolicyWarning::Side side)
{
    return side == PolicyWarning::Side::Server ? u"server"_s : u"client"_s;
}

const QStringList &listOf(const SshAlgorithms &algorithms, AlgorithmList list)
{
    switch (list) {
    case AlgorithmList::Cipher: return algorithms.cipher;
    case AlgorithmList::Kex: return algorithms.kex;
    case AlgorithmList::Mac: return algorithms.mac;
    case AlgorithmList::Compression: break;
    }
    return algorithms.compression;
}

QStringList supported(PolicyWarning::Side side, AlgorithmList list)
{
    return side == PolicyWarning::Side::Server ? supportedServerAlgorithms(list) : supportedClientAlgorithms(list);
}

} // namespace

SettingsPolicyDialog::SettingsPolicyDialog(SshSettingsService &service, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
{
    build();
    SettingsPolicy start = SshSettingsService::defaultPolicy();
    start.key.clear();
    start.name.clear();
    load(start);
    setWindowTitle(tr("New SSH settings policy"));
}

SettingsPolicyDialog::SettingsPolicyDialog(SshSettingsService &service, const SettingsPolicy &policy, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_key(policy.key)
{
    build();
    load(policy);
    setWindowTitle(tr("Edit SSH settings policy \"%1\"").arg(policy.name));
}

void SettingsPolicyDialog::build()
{
    setObjectName(u"settingsPolicyDialog"_s);
    m_name = new QLineEdit(this);
    m_name->setObjectName(u"policyName"_s);
    m_greeting = new QPlainTextEdit(this);
    m_greeting->setObjectName(u"greeting"_s);
    m_greeting->setMaximumHeight(60);
    m_greeting->setToolTip(tr("Written in the session right after login, before the collect dialog"));
    m_banner = new QPlainTextEdit(this);
    m_banner->setObjectName(u"userauthBanner"_s);
    m_banner->setMaximumHeight(60);
    m_banner->setToolTip(tr("The banner a client shows before it authenticates"));
    m_timeout = new QSpinBox(this);
    m_timeout->setObjectName(u"timeout"_s);
    m_timeout->setRange(1, 86'400);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setToolTip(tr("Idle time after login before the server disconnects"));
    m_softwareVersion = new QLineEdit(this);
    m_softwareVersion->setObjectName(u"softwareVersion"_s);
    m_softwareVersion->setToolTip(tr("The identification string becomes SSH-2.0-<this>"));
    m_strictMode = new QCheckBox(tr("Strict mode: cut a connection that asks for anything but a session"), this);
    m_strictMode->setObjectName(u"strictMode"_s);
    m_preconnect = new QCheckBox(tr("Preconnect channel check (kept as given: there is no target server)"), this);
    m_preconnect->setObjectName(u"preconnectChannelCheck"_s);

    auto *sides = new QTabWidget(this);
    sides->setObjectName(u"algorithmSides"_s);
    sides->addTab(createSide(PolicyWarning::Side::Server), tr("Server side (Keystead's SSH server)"));
    sides->addTab(createSide(PolicyWarning::Side::Client), tr("Client side (the host key scanner)"));

    m_lint = new QLabel(this);
    m_lint->setObjectName(u"lintWarnings"_s);
    m_lint->setWordWrap(true);
    m_lint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette palette = m_lint->palette();
    palette.setColor(QPalette::WindowText, QColor(0x8a, 0x4b, 0x00));
    m_lint->setPalette(palette);
    auto *lintArea = new QScrollArea(this);
    lintArea->setWidget(m_lint);
    lintArea->setWidgetResizable(true);
    lintArea->setFrameShape(QFrame::NoFrame);
    lintArea->setMaximumHeight(110);

    m_error = makeErrorLabel(u"policyError"_s, this);

    auto *form = new QFormLayout;
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Greeting:"), m_greeting);
    form->addRow(tr("Userauth banner:"), m_banner);
    form->addRow(tr("Timeout:"), m_timeout);
    form->addRow(tr("Software version:"), m_softwareVersion);
    form->addRow(QString(), m_strictMode);
    form->addRow(QString(), m_preconnect);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsPolicyDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(sides, 1);
    layout->addWidget(lintArea);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(980, 720);
}

QWidget *SettingsPolicyDialog::createSide(PolicyWarning::Side side)
{
    auto *page = new QWidget(this);
    auto *grid = new QGridLayout(page);
    int column = 0;
    for (const AlgorithmList list : kLists)
        grid->addWidget(createList(side, list), 0, column++);
    return page;
}

QWidget *SettingsPolicyDialog::createList(PolicyWarning::Side side, AlgorithmList list)
{
    auto *box = new QWidget(this);
    auto *widget = new QListWidget(box);
    widget->setObjectName(sideName(side) + u'.' + listName(list));
    widget->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(widget, &QListWidget::itemChanged, this, &SettingsPolicyDialog::relint);

    auto *up = new QPushButton(tr("Up"), box);
    up->setObjectName(widget->objectName() + u".up"_s);
    auto *down = new QPushButton(tr("Down"), box);
    down->setObjectName(widget->objectName() + u".down"_s);
    const auto move = [this, widget, side, list](int delta) {
        QListWidgetItem *item = widget->currentItem();
        if (item)
            moveAlgorithm(side, list, item->text(), delta);
    };
    connect(up, &QPushButton::clicked, this, [move] { move(-1); });
    connect(down, &QPushButton::clicked, this, [move] { move(1); });

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(up);
    buttons->addWidget(down);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(listName(list), box));
    layout->addWidget(widget, 1);
    layout->addLayout(buttons);
    return box;
}

void SettingsPolicyDialog::load(const SettingsPolicy &policy)
{
    m_name->setText(policy.name);
    m_greeting->setPlainText(policy.greeting);
    m_banner->setPlainText(policy.userauthBanner);
    m_timeout->setValue(policy.timeout);
    m_softwareVersion->setText(policy.softwareVersion);
    m_strictMode->setChecked(policy.strictMode);
    m_preconnect->setChecked(policy.preconnectChannelCheck);
    for (const auto side : {PolicyWarning::Side::Server, PolicyWarning::Side::Client}) {
        const SshAlgorithms &algorithms = side == PolicyWarning::Side::Server ? policy.serverSide : policy.clientSide;
        for (const AlgorithmList list : kLists)
            fillList(listWidget(side, list), listOf(algorithms, list), supported(side, list));
    }
    relint();
}

void SettingsPolicyDialog::fillList(QListWidget *widget, const QStringList &chosen, const QStringList &names)
{
    const QSignalBlocker blocker(widget);
    widget->clear();
    // The chosen ones first, in their order of preference; then what else this side can do.
    const auto add = [widget, &names](const QString &name, bool checked) {
        auto *item = new QListWidgetItem(name, widget);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
        item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
        if (!names.contains(name)) {
            item->setForeground(QColor(0xb0, 0x1c, 0x1c));
            item->setToolTip(tr("libssh here cannot do %1: saving will be refused").arg(name));
        }
    };
    for (const QString &name : chosen)
        add(name, true);
    for (const QString &name : names) {
        if (!chosen.contains(name))
            add(name, false);
    }
}

QListWidget *SettingsPolicyDialog::listWidget(PolicyWarning::Side side, AlgorithmList list) const
{
    return findChild<QListWidget *>(sideName(side) + u'.' + listName(list));
}

QStringList SettingsPolicyDialog::checkedNames(QListWidget *widget) const
{
    QStringList names;
    for (int row = 0; row < widget->count(); ++row) {
        if (widget->item(row)->checkState() == Qt::Checked)
            names.append(widget->item(row)->text());
    }
    return names;
}

SshAlgorithms SettingsPolicyDialog::algorithms(PolicyWarning::Side side) const
{
    SshAlgorithms algorithms;
    algorithms.cipher = checkedNames(listWidget(side, AlgorithmList::Cipher));
    algorithms.kex = checkedNames(listWidget(side, AlgorithmList::Kex));
    algorithms.mac = checkedNames(listWidget(side, AlgorithmList::Mac));
    algorithms.compression = checkedNames(listWidget(side, AlgorithmList::Compression));
    return algorithms;
}

SettingsPolicy SettingsPolicyDialog::policy() const
{
    SettingsPolicy policy;
    policy.key = m_key;
    policy.name = m_name->text().trimmed();
    policy.serverSide = algorithms(PolicyWarning::Side::Server);
    policy.clientSide = algorithms(PolicyWarning::Side::Client);
    policy.greeting = m_greeting->toPlainText();
    policy.userauthBanner = m_banner->toPlainText();
    policy.timeout = m_timeout->value();
    policy.softwareVersion = m_softwareVersion->text().trimmed();
    policy.strictMode = m_strictMode->isChecked();
    policy.preconnectChannelCheck = m_preconnect->isChecked();
    return policy;
}

void SettingsPolicyDialog::setAlgorithmChecked(PolicyWarning::Side side, AlgorithmList list, const QString &name,
                                               bool checked)
{
    QListWidget *widget = listWidget(side, list);
    const QList<QListWidgetItem *> found = widget->findItems(name, Qt::MatchExactly);
    if (found.isEmpty()) {
        fillList(widget, checkedNames(widget) + QStringList{name}, supported(side, list));
        if (!checked)
            widget->findItems(name, Qt::MatchExactly).constFirst()->setCheckState(Qt::Unchecked);
        relint();
        return;
    }
    found.constFirst()->setCheckState(checked ? Qt::Checked : Qt::Unchecked); // itemChanged relints
}

bool SettingsPolicyDialog::moveAlgorithm(PolicyWarning::Side side, AlgorithmList list, const QString &name, int delta)
{
    QListWidget *widget = listWidget(side, list);
    const QList<QListWidgetItem *> found = widget->findItems(name, Qt::MatchExactly);
    if (found.isEmpty())
        return false;
    const int from = widget->row(found.constFirst());
    const int to = from + delta;
    if (to < 0 || to >= widget->count())
        return false;
    QListWidgetItem *item = widget->takeItem(from);
    widget->insertItem(to, item);
    widget->setCurrentItem(item);
    relint();
    return true;
}

void SettingsPolicyDialog::relint()
{
    m_warnings = lintPolicy(policy());
    m_lint->setText(warningsText());
    m_lint->setVisible(!m_warnings.isEmpty());
}

QString SettingsPolicyDialog::warningsText() const
{
    QStringList lines;
    for (const PolicyWarning &warning : m_warnings)
        lines.append(HostKeyTexts::warning(warning));
    return lines.join(u'\n');
}

Status SettingsPolicyDialog::save()
{
    const SettingsPolicy edited = policy();
    Result<SettingsPolicy> saved = isNew() ? m_service.createPolicy(edited, Actor::console())
                                           : m_service.updatePolicy(m_key, edited, Actor::console());
    if (!saved) {
        showError(HostKeyTexts::error(saved.error()));
        return saved.error();
    }
    showError({});
    m_key = saved->key;
    Q_EMIT policySaved(saved.value());
    QDialog::accept();
    return {};
}

void SettingsPolicyDialog::accept()
{
    (void)save();
}

QString SettingsPolicyDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void SettingsPolicyDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace keystead::ui
