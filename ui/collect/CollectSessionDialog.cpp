#include "ui/collect/CollectSessionDialog.h"
#include "ui/collect/CollectSessionEdits.h"

#include "collect/CollectJson.h"
#include "collect/CollectService.h"
#include "collect/WebhookOutbox.h"
#include "collect/WebhookSigner.h"
#include "common/Clock.h"
#include "ui/common/ErrorLabel.h"

#include <QApplication>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStyle>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

constexpr QLatin1StringView kExpiryLabel{"expiry"};
constexpr QLatin1StringView kWebhooksLabel{"webhooks"};
constexpr QLatin1StringView kWebhookPrefix{"webhook."};
// The webhook form's fields, by their JSON names.
const QStringList &webhookFields()
{
    static const QStringList fields{
        u"url"_s, u"method"_s, u"events"_s, u"headers"_s, u"retries"_s, u"initial_backoff"_s, u"backoff_multiplier"_s};
    return fields;
}

struct TimeUnit
{
    qint64 seconds;
    const char *name;
};
constexpr TimeUnit kTimeUnits[] = {
    {1, QT_TRANSLATE_NOOP("keystead::ui::CollectSessionDialog", "seconds")},
    {60, QT_TRANSLATE_NOOP("keystead::ui::CollectSessionDialog", "minutes")},
    {3600, QT_TRANSLATE_NOOP("keystead::ui::CollectSessionDialog", "hours")},
    {86400, QT_TRANSLATE_NOOP("keystead::ui::CollectSessionDialog", "days")},
};

QLabel *hintLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

// The field with its error message right under it.
QWidget *withError(QLayout *field, QLabel *error, QWidget *parent)
{
    auto *box = new QWidget(parent);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(field);
    layout->addWidget(error);
    return box;
}

QWidget *withError(QWidget *field, QLabel *error, QWidget *parent)
{
    auto *row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(field);
    // A number needs no full-width box: it keeps its size, the row its width.
    if (field->sizePolicy().horizontalPolicy() == QSizePolicy::Fixed)
        row->addStretch(1);
    return withError(row, error, parent);
}

std::optional<QString> optionalText(const QString &text)
{
    return text.isEmpty() ? std::nullopt : std::optional<QString>(text);
}

QString capitalised(QString message)
{
    if (!message.isEmpty())
        message[0] = message.at(0).toUpper();
    return message;
}

} // namespace

CollectSessionDialog::CollectSessionDialog(CollectService &service, const Clock &clock, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_clock(clock)
{
    build();
    setWindowTitle(tr("New collect session"));
    setInput(CollectSessionInput());
}

CollectSessionDialog::CollectSessionDialog(CollectService &service, const Clock &clock, const CollectSession &session,
                                           QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_clock(clock)
    , m_original(session)
{
    build();
    setWindowTitle(tr("Edit collect session %1").arg(session.connectionIdentifier));

    CollectSessionInput shown;
    shown.connectionIdentifier = session.connectionIdentifier;
    shown.externalId = session.externalId;
    shown.multiKey = session.multiKey;
    shown.multiConnection = session.multiConnection;
    shown.mustConfirm = session.mustConfirm;
    shown.sshBanner = session.sshBanner;
    shown.sshMessage = session.sshMessage;
    if (session.timeout)
        shown.timeout = session.timeout;
    else if (session.expiredAt.isValid())
        shown.expiredAt = session.expiredAt;
    for (const CollectWebhook &webhook : session.webhooks)
        m_originalWebhooks.append(collectedits::redacted(webhook));
    shown.webhooks = m_originalWebhooks;
    setInput(shown);
    // Users may hold the ssh line already: the identifier is the session's name for good.
    m_identifier->setReadOnly(true);
    m_identifier->setToolTip(tr("The identifier cannot change: users may have the ssh line already."));
}

void CollectSessionDialog::build()
{
    setObjectName(u"collectSessionDialog"_s);
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(createSessionTab(), tr("Session"));
    m_tabs->addTab(createWebhooksTab(), tr("Webhooks"));

    m_generalErrorLabel = makeErrorLabel(u"generalError"_s, this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(m_original.id.isEmpty() ? tr("Create") : tr("Save"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(u"save"_s);
    connect(buttons, &QDialogButtonBox::accepted, this, &CollectSessionDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &CollectSessionDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_generalErrorLabel);
    layout->addWidget(buttons);
    resize(640, 600);
}

QWidget *CollectSessionDialog::createSessionTab()
{
    auto *tab = new QWidget(this);
    const auto fieldError = [this, tab](const QString &location) {
        QLabel *label = makeErrorLabel(location + u"Error"_s, tab);
        m_errorLabels.insert(location, label);
        return label;
    };

    m_identifier = new QLineEdit(tab);
    m_identifier->setObjectName(u"connectionIdentifier"_s);
    m_identifier->setPlaceholderText(
        tr("made up: %1 letters and digits").arg(CollectService::kGeneratedIdentifierLength));
    m_identifier->setToolTip(tr("The user name in the ssh line. Leave it empty for a random one nobody can guess."));

    m_externalId = new QLineEdit(tab);
    m_externalId->setObjectName(u"externalId"_s);
    m_externalId->setPlaceholderText(tr("optional: a ticket, an employee number…"));
    m_externalId->setMaxLength(CollectService::kMaxExternalIdLength);

    m_multiKey = new QCheckBox(tr("Collect every key the client offers, not just the first"), tab);
    m_multiKey->setObjectName(u"multiKey"_s);
    m_multiConnection = new QCheckBox(tr("Keep collecting after the first connection, until completed by hand"), tab);
    m_multiConnection->setObjectName(u"multiConnection"_s);
    m_mustConfirm = new QCheckBox(tr("Ask the user to confirm by pressing y"), tab);
    m_mustConfirm->setObjectName(u"mustConfirm"_s);

    m_banner = new QPlainTextEdit(tab);
    m_banner->setObjectName(u"sshBanner"_s);
    m_banner->setPlaceholderText(tr("Shown before the keys are collected"));
    m_banner->setTabChangesFocus(true);
    m_banner->setFixedHeight(m_banner->fontMetrics().lineSpacing() * 4);
    m_message = new QPlainTextEdit(tab);
    m_message->setObjectName(u"sshMessage"_s);
    m_message->setPlaceholderText(tr("Shown when the keys are collected, before the connection closes"));
    m_message->setTabChangesFocus(true);
    m_message->setFixedHeight(m_message->fontMetrics().lineSpacing() * 4);

    // Timeout and expiry date exclude each other: one choice of three.
    m_expiryNever = new QRadioButton(tr("Never (until completed or deleted)"), tab);
    m_expiryNever->setObjectName(u"expiryNever"_s);
    m_expiryTimeout = new QRadioButton(tr("After"), tab);
    m_expiryTimeout->setObjectName(u"expiryTimeout"_s);
    m_expiryAt = new QRadioButton(tr("At"), tab);
    m_expiryAt->setObjectName(u"expiryAt"_s);
    auto *expiryGroup = new QButtonGroup(tab);
    for (QRadioButton *button : {m_expiryNever, m_expiryTimeout, m_expiryAt})
        expiryGroup->addButton(button);

    m_timeoutValue = new QSpinBox(tab);
    m_timeoutValue->setObjectName(u"timeoutValue"_s);
    m_timeoutValue->setRange(1, static_cast<int>(CollectService::kMaxTimeoutSeconds));
    m_timeoutUnit = new QComboBox(tab);
    m_timeoutUnit->setObjectName(u"timeoutUnit"_s);
    for (const TimeUnit &unit : kTimeUnits)
        m_timeoutUnit->addItem(tr(unit.name), unit.seconds);
    m_expiresAt = new QDateTimeEdit(tab);
    m_expiresAt->setObjectName(u"expiresAt"_s);
    m_expiresAt->setCalendarPopup(true);
    m_expiresAt->setDisplayFormat(u"yyyy-MM-dd HH:mm"_s);
    m_expiresAt->setTimeSpec(Qt::LocalTime);

    connect(expiryGroup, &QButtonGroup::buttonToggled, this, [this] {
        m_timeoutValue->setEnabled(m_expiryTimeout->isChecked());
        m_timeoutUnit->setEnabled(m_expiryTimeout->isChecked());
        m_expiresAt->setEnabled(m_expiryAt->isChecked());
    });

    auto *timeoutRow = new QHBoxLayout;
    timeoutRow->addWidget(m_expiryTimeout);
    timeoutRow->addWidget(m_timeoutValue);
    timeoutRow->addWidget(m_timeoutUnit);
    timeoutRow->addWidget(hintLabel(tr("from the session's creation"), tab), 1);
    auto *atRow = new QHBoxLayout;
    atRow->addWidget(m_expiryAt);
    atRow->addWidget(m_expiresAt);
    atRow->addStretch(1);
    auto *expiry = new QVBoxLayout;
    expiry->setSpacing(4);
    expiry->addWidget(m_expiryNever);
    expiry->addLayout(timeoutRow);
    expiry->addLayout(atRow);

    auto *options = new QVBoxLayout;
    options->setSpacing(4);
    options->addWidget(m_multiKey);
    options->addWidget(m_multiConnection);
    options->addWidget(m_mustConfirm);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Connection identifier:"), withError(m_identifier, fieldError(u"connection_identifier"_s), tab));
    form->addRow(tr("External ID:"), withError(m_externalId, fieldError(u"external_id"_s), tab));
    form->addRow(tr("Collecting:"), options);
    form->addRow(tr("Banner:"), withError(m_banner, fieldError(u"ssh_banner"_s), tab));
    form->addRow(tr("Closing message:"), withError(m_message, fieldError(u"ssh_message"_s), tab));
    form->addRow(tr("Expires:"), withError(expiry, fieldError(QString(kExpiryLabel)), tab));
    // Rows keep their height; the room left over goes below them.
    auto *layout = new QVBoxLayout(tab);
    layout->addLayout(form);
    layout->addStretch(1);
    return tab;
}

QWidget *CollectSessionDialog::createWebhooksTab()
{
    auto *tab = new QWidget(this);

    m_webhookList = new QListWidget(tab);
    m_webhookList->setObjectName(u"webhookList"_s);
    m_webhookList->setFixedWidth(200);
    m_webhookList->setIconSize(QSize(16, 16));
    connect(m_webhookList, &QListWidget::currentRowChanged, this, &CollectSessionDialog::showWebhook);
    auto *add = new QPushButton(tr("Add"), tab);
    add->setObjectName(u"addWebhook"_s);
    connect(add, &QPushButton::clicked, this, &CollectSessionDialog::addWebhook);
    auto *remove = new QPushButton(tr("Remove"), tab);
    remove->setObjectName(u"removeWebhook"_s);
    connect(remove, &QPushButton::clicked, this, &CollectSessionDialog::removeWebhook);
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(add);
    listButtons->addWidget(remove);
    auto *listColumn = new QVBoxLayout;
    listColumn->addWidget(m_webhookList, 1);
    listColumn->addLayout(listButtons);

    m_webhookForm = new QWidget(tab);
    const auto fieldError = [this](const QString &field) {
        QLabel *label = makeErrorLabel(field + u"Error"_s, m_webhookForm);
        m_errorLabels.insert(kWebhookPrefix + field, label);
        return label;
    };
    const auto store = [this] { storeWebhookForm(); };

    m_url = new QLineEdit(m_webhookForm);
    m_url->setObjectName(u"webhookUrl"_s);
    m_url->setPlaceholderText(u"https://example.com/hooks/keystead"_s);
    connect(m_url, &QLineEdit::textChanged, this, store);

    m_method = new QComboBox(m_webhookForm);
    m_method->setObjectName(u"webhookMethod"_s);
    for (const QString &method : {u"post"_s, u"put"_s, u"patch"_s})
        m_method->addItem(method.toUpper(), method);
    connect(m_method, &QComboBox::currentIndexChanged, this, store);

    auto *events = new QHBoxLayout;
    for (const QString &name : webhookEventNames()) {
        QString label = name;
        if (name == u"key_collected"_s)
            label = tr("Key collected");
        else if (name == u"new_connection"_s)
            label = tr("New connection");
        else if (name == u"status_changed"_s)
            label = tr("Status changed");
        auto *box = new QCheckBox(label, m_webhookForm);
        box->setObjectName(u"event_"_s + name);
        box->setToolTip(name);
        connect(box, &QCheckBox::toggled, this, store);
        m_events.insert(name, box);
        events->addWidget(box);
    }
    events->addStretch(1);
    auto *eventsColumn = new QVBoxLayout;
    eventsColumn->addLayout(events);
    eventsColumn->addWidget(hintLabel(tr("None ticked: every event."), m_webhookForm));

    m_headers = new QTableWidget(0, 2, m_webhookForm);
    m_headers->setObjectName(u"webhookHeaders"_s);
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->horizontalHeader()->resizeSection(0, 160);
    m_headers->verticalHeader()->hide();
    m_headers->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_headers->setFixedHeight(m_headers->fontMetrics().lineSpacing() * 7);
    connect(m_headers, &QTableWidget::itemChanged, this, store);
    auto *addHeader = new QPushButton(tr("Add header"), m_webhookForm);
    addHeader->setObjectName(u"addHeader"_s);
    connect(addHeader, &QPushButton::clicked, this, [this] {
        addHeaderRow();
        m_headers->setCurrentCell(m_headers->rowCount() - 1, 0);
        m_headers->editItem(m_headers->item(m_headers->rowCount() - 1, 0));
    });
    auto *removeHeader = new QPushButton(tr("Remove header"), m_webhookForm);
    removeHeader->setObjectName(u"removeHeader"_s);
    connect(removeHeader, &QPushButton::clicked, this, [this] {
        const int row = m_headers->currentRow();
        if (row < 0)
            return;
        m_headers->removeRow(row);
        storeWebhookForm();
    });
    auto *headerButtons = new QHBoxLayout;
    headerButtons->addWidget(addHeader);
    headerButtons->addWidget(removeHeader);
    headerButtons->addStretch(1);
    auto *headersColumn = new QVBoxLayout;
    headersColumn->addWidget(m_headers);
    headersColumn->addLayout(headerButtons);
    headersColumn->addWidget(hintLabel(tr("Values of credential headers (Authorization, tokens, secrets) are not "
                                          "shown again; leave %1 to keep them.")
                                           .arg(QString(collectjson::kRedacted)),
                                       m_webhookForm));

    m_retries = new QSpinBox(m_webhookForm);
    m_retries->setObjectName(u"webhookRetries"_s);
    m_retries->setRange(0, static_cast<int>(CollectService::kMaxRetries));
    connect(m_retries, &QSpinBox::valueChanged, this, store);
    m_initialBackoff = new QSpinBox(m_webhookForm);
    m_initialBackoff->setObjectName(u"webhookInitialBackoff"_s);
    m_initialBackoff->setRange(1, static_cast<int>(CollectService::kMaxInitialBackoff));
    m_initialBackoff->setSuffix(tr(" s"));
    connect(m_initialBackoff, &QSpinBox::valueChanged, this, store);
    m_multiplier = new QDoubleSpinBox(m_webhookForm);
    m_multiplier->setObjectName(u"webhookBackoffMultiplier"_s);
    m_multiplier->setRange(1.0, CollectService::kMaxBackoffMultiplier);
    m_multiplier->setSingleStep(0.5);
    m_multiplier->setDecimals(2);
    connect(m_multiplier, &QDoubleSpinBox::valueChanged, this, store);

    for (QWidget *number : std::initializer_list<QWidget *>{m_method, m_retries, m_initialBackoff, m_multiplier})
        number->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    for (QAbstractSpinBox *box : std::initializer_list<QAbstractSpinBox *>{m_retries, m_initialBackoff, m_multiplier})
        box->setMinimumWidth(box->fontMetrics().horizontalAdvance(u"0000000000"_s));

    auto *formWidget = m_webhookForm;
    auto *outer = new QVBoxLayout(formWidget);
    outer->setContentsMargins(0, 0, 0, 0);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("URL:"), withError(m_url, fieldError(u"url"_s), m_webhookForm));
    form->addRow(tr("Method:"), withError(m_method, fieldError(u"method"_s), m_webhookForm));
    form->addRow(tr("Events:"), withError(eventsColumn, fieldError(u"events"_s), m_webhookForm));
    form->addRow(tr("Headers:"), withError(headersColumn, fieldError(u"headers"_s), m_webhookForm));
    form->addRow(tr("Retries:"), withError(m_retries, fieldError(u"retries"_s), m_webhookForm));
    form->addRow(tr("First retry after:"),
                 withError(m_initialBackoff, fieldError(u"initial_backoff"_s), m_webhookForm));
    form->addRow(tr("Backoff multiplier:"),
                 withError(m_multiplier, fieldError(u"backoff_multiplier"_s), m_webhookForm));
    form->addRow(hintLabel(tr("A failed delivery is sent again up to \"Retries\" times; retry k waits "
                              "\"First retry after\" × multiplier^(k−1). Every body is signed in the %1 header.")
                               .arg(QString::fromLatin1(WebhookSigner::kSignatureHeader)),
                           m_webhookForm));
    outer->addLayout(form);
    outer->addStretch(1);

    auto *columns = new QHBoxLayout;
    columns->addLayout(listColumn);
    columns->addWidget(m_webhookForm, 1);

    QLabel *listError = makeErrorLabel(u"webhooksError"_s, tab);
    m_errorLabels.insert(QString(kWebhooksLabel), listError);
    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(hintLabel(tr("Keystead calls these URLs when keys arrive, a user connects or the status "
                                   "changes, with the session as JSON."),
                                tab));
    layout->addLayout(columns, 1);
    layout->addWidget(listError);
    return tab;
}

void CollectSessionDialog::setExpiryMode(Expiry mode)
{
    switch (mode) {
    case Expiry::Never: m_expiryNever->setChecked(true); break;
    case Expiry::Timeout: m_expiryTimeout->setChecked(true); break;
    case Expiry::At: m_expiryAt->setChecked(true); break;
    }
}

CollectSessionDialog::Expiry CollectSessionDialog::expiryMode() const
{
    if (m_expiryTimeout->isChecked())
        return Expiry::Timeout;
    if (m_expiryAt->isChecked())
        return Expiry::At;
    return Expiry::Never;
}

qint64 CollectSessionDialog::timeoutSeconds() const
{
    return static_cast<qint64>(m_timeoutValue->value()) * m_timeoutUnit->currentData().toLongLong();
}

void CollectSessionDialog::setTimeoutSeconds(qint64 seconds)
{
    // The largest unit that says it exactly: 7200 reads "2 hours", 90 reads "90 seconds".
    int unitIndex = 0;
    for (int i = 0; i < m_timeoutUnit->count(); ++i) {
        const qint64 unit = m_timeoutUnit->itemData(i).toLongLong();
        if (seconds > 0 && seconds % unit == 0)
            unitIndex = i;
    }
    m_timeoutUnit->setCurrentIndex(unitIndex);
    const qint64 value = seconds / m_timeoutUnit->itemData(unitIndex).toLongLong();
    m_timeoutValue->setValue(
        static_cast<int>(std::clamp<qint64>(value, m_timeoutValue->minimum(), m_timeoutValue->maximum())));
}

QDateTime CollectSessionDialog::expiresAt() const
{
    return m_expiresAt->dateTime().toUTC();
}

CollectSessionInput CollectSessionDialog::input() const
{
    CollectSessionInput input;
    input.connectionIdentifier = m_identifier->text().trimmed();
    input.externalId = optionalText(m_externalId->text().trimmed());
    input.multiKey = m_multiKey->isChecked();
    input.multiConnection = m_multiConnection->isChecked();
    input.mustConfirm = m_mustConfirm->isChecked();
    input.sshBanner = optionalText(m_banner->toPlainText());
    input.sshMessage = optionalText(m_message->toPlainText());
    switch (expiryMode()) {
    case Expiry::Never: break;
    case Expiry::Timeout: input.timeout = timeoutSeconds(); break;
    case Expiry::At: input.expiredAt = expiresAt(); break;
    }
    input.webhooks = m_webhooks;
    return input;
}

CollectSessionUpdate CollectSessionDialog::changes() const
{
    return collectedits::updateBetween(m_original, m_originalWebhooks, input());
}

void CollectSessionDialog::setInput(const CollectSessionInput &input)
{
    m_identifier->setText(input.connectionIdentifier);
    m_externalId->setText(input.externalId.value_or(QString()));
    m_multiKey->setChecked(input.multiKey);
    m_multiConnection->setChecked(input.multiConnection);
    m_mustConfirm->setChecked(input.mustConfirm);
    m_banner->setPlainText(input.sshBanner.value_or(QString()));
    m_message->setPlainText(input.sshMessage.value_or(QString()));

    setTimeoutSeconds(input.timeout.value_or(86400));
    const QDateTime tomorrow = collectedits::toMinute(m_clock.now().addDays(1));
    m_expiresAt->setDateTime(input.expiredAt ? input.expiredAt->toLocalTime() : tomorrow);
    setExpiryMode(input.timeout ? Expiry::Timeout : input.expiredAt ? Expiry::At : Expiry::Never);

    m_webhooks = input.webhooks;
    m_currentWebhook = -1;
    {
        const QSignalBlocker blocker(m_webhookList);
        m_webhookList->clear();
        for (const CollectWebhook &webhook : std::as_const(m_webhooks))
            m_webhookList->addItem(webhookTitle(webhook));
    }
    m_webhookList->setCurrentRow(m_webhooks.isEmpty() ? -1 : 0);
    showWebhook(m_webhookList->currentRow());
}

void CollectSessionDialog::addWebhook()
{
    CollectWebhook webhook;
    m_webhooks.append(webhook);
    m_webhookList->addItem(webhookTitle(webhook));
    m_webhookList->setCurrentRow(static_cast<int>(m_webhooks.size()) - 1);
    m_url->setFocus();
}

void CollectSessionDialog::removeWebhook()
{
    const int row = m_webhookList->currentRow();
    if (row < 0)
        return;
    m_currentWebhook = -1; // nothing to store back: the webhook goes
    m_webhooks.removeAt(row);
    delete m_webhookList->takeItem(row);
    showWebhook(m_webhookList->currentRow());
}

void CollectSessionDialog::showWebhook(int row)
{
    m_currentWebhook = row;
    const bool valid = row >= 0 && row < m_webhooks.size();
    m_webhookForm->setEnabled(valid);
    const CollectWebhook webhook = valid ? m_webhooks.at(row) : CollectWebhook();

    m_loadingWebhook = true;
    m_url->setText(webhook.url);
    m_method->setCurrentIndex(std::max(0, m_method->findData(webhook.method)));
    for (auto box = m_events.cbegin(); box != m_events.cend(); ++box)
        box.value()->setChecked(webhook.events.contains(box.key()));
    m_headers->setRowCount(0);
    for (auto header = webhook.headers.cbegin(); header != webhook.headers.cend(); ++header) {
        for (const QString &value : header.value())
            addHeaderRow(header.key(), value);
    }
    m_retries->setValue(static_cast<int>(webhook.retries));
    m_initialBackoff->setValue(static_cast<int>(webhook.initialBackoff));
    m_multiplier->setValue(webhook.backoffMultiplier);
    m_loadingWebhook = false;
    showWebhookErrors();
}

void CollectSessionDialog::storeWebhookForm()
{
    if (m_loadingWebhook || m_currentWebhook < 0 || m_currentWebhook >= m_webhooks.size())
        return;
    CollectWebhook &webhook = m_webhooks[m_currentWebhook];
    webhook.url = m_url->text().trimmed();
    webhook.method = m_method->currentData().toString();
    webhook.events.clear();
    // In the seed's order, whatever order the boxes were ticked in.
    for (const QString &name : webhookEventNames()) {
        if (m_events.value(name)->isChecked())
            webhook.events.append(name);
    }
    webhook.headers.clear();
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QTableWidgetItem *name = m_headers->item(row, 0);
        const QTableWidgetItem *value = m_headers->item(row, 1);
        const QString nameText = name ? name->text().trimmed() : QString();
        const QString valueText = value ? value->text() : QString();
        if (nameText.isEmpty() && valueText.isEmpty())
            continue;
        webhook.headers[nameText].append(valueText);
    }
    webhook.retries = m_retries->value();
    webhook.initialBackoff = m_initialBackoff->value();
    webhook.backoffMultiplier = m_multiplier->value();
    if (QListWidgetItem *item = m_webhookList->item(m_currentWebhook))
        item->setText(webhookTitle(webhook));
}

void CollectSessionDialog::addHeaderRow(const QString &name, const QString &value)
{
    const bool wasLoading = m_loadingWebhook;
    m_loadingWebhook = true; // an empty row changes nothing yet
    const int row = m_headers->rowCount();
    m_headers->insertRow(row);
    m_headers->setItem(row, 0, new QTableWidgetItem(name));
    m_headers->setItem(row, 1, new QTableWidgetItem(value));
    m_loadingWebhook = wasLoading;
}

QString CollectSessionDialog::webhookTitle(const CollectWebhook &webhook) const
{
    if (webhook.url.isEmpty())
        return tr("(new webhook)");
    return webhook.method.toUpper() + u' ' + webhook.url;
}

Result<CollectSession> CollectSessionDialog::save()
{
    storeWebhookForm();
    clearErrors();
    Result<CollectSession> saved = isEditing() ? m_service.update(m_original.id, changes()) : m_service.create(input());
    if (!saved) {
        showErrors(saved.error());
        return saved;
    }
    m_saved = saved.value();
    return saved;
}

void CollectSessionDialog::accept()
{
    if (save())
        QDialog::accept();
}

QString CollectSessionDialog::fieldError(const QString &location) const
{
    return m_errors.value(location);
}

QString CollectSessionDialog::generalError() const
{
    return m_generalError;
}

void CollectSessionDialog::clearErrors()
{
    m_errors.clear();
    m_generalError.clear();
    for (QLabel *label : std::as_const(m_errorLabels)) {
        label->clear();
        label->hide();
    }
    m_generalErrorLabel->clear();
    m_generalErrorLabel->hide();
    for (int row = 0; row < m_webhookList->count(); ++row)
        m_webhookList->item(row)->setIcon(QIcon());
}

QLabel *CollectSessionDialog::errorLabelFor(const QString &location) const
{
    if (location == u"timeout"_s || location == u"expired_at"_s)
        return m_errorLabels.value(QString(kExpiryLabel));
    return m_errorLabels.value(location);
}

void CollectSessionDialog::showErrors(const Error &error)
{
    QVariantList items = error.details.value(u"errors"_s).toList();
    if (items.isEmpty() && !error.location.isEmpty())
        items.append(QVariantMap{{u"location"_s, error.location}, {u"message"_s, error.message}});
    if (items.isEmpty())
        m_generalError = error.message;

    static const QRegularExpression webhookLocation(u"^webhooks\\[(\\d+)\\]"_s);
    bool sessionFieldFailed = false;
    int firstFailedWebhook = -1;
    for (const QVariant &item : std::as_const(items)) {
        const QVariantMap map = item.toMap();
        const QString location = map.value(u"location"_s).toString();
        const QString message = map.value(u"message"_s).toString();
        m_errors.insert(location, message);

        const QRegularExpressionMatch webhook = webhookLocation.match(location);
        if (webhook.hasMatch()) {
            const int row = webhook.captured(1).toInt();
            if (QListWidgetItem *listItem = m_webhookList->item(row))
                listItem->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
            if (firstFailedWebhook < 0)
                firstFailedWebhook = row;
            static const QRegularExpression fieldName(u"^[a-z_]+"_s);
            const QString field = fieldName.match(location.mid(webhook.capturedLength() + 1)).captured();
            if (webhookFields().contains(field))
                continue;
            // Not a field of the form (an unknown webhook id): said below the tabs.
        } else if (QLabel *label = errorLabelFor(location)) {
            const QString shown
                = label->text().isEmpty() ? capitalised(message) : label->text() + u'\n' + capitalised(message);
            label->setText(shown);
            label->show();
            sessionFieldFailed = sessionFieldFailed || location != QString(kWebhooksLabel);
            continue;
        }
        m_generalError += (m_generalError.isEmpty() ? QString() : u"\n"_s) + location + u": "_s + message;
    }
    if (!m_generalError.isEmpty()) {
        m_generalErrorLabel->setText(capitalised(m_generalError));
        m_generalErrorLabel->show();
    }
    // Take the operator to the first thing to correct.
    if (sessionFieldFailed) {
        m_tabs->setCurrentIndex(0);
    } else if (firstFailedWebhook >= 0 || m_errors.contains(QString(kWebhooksLabel))) {
        m_tabs->setCurrentIndex(1);
        if (firstFailedWebhook >= 0 && firstFailedWebhook != m_webhookList->currentRow())
            m_webhookList->setCurrentRow(firstFailedWebhook);
    }
    showWebhookErrors();
}

void CollectSessionDialog::showWebhookErrors()
{
    const QString prefix = u"webhooks[%1]."_s.arg(m_currentWebhook);
    for (const QString &field : webhookFields()) {
        QLabel *label = m_errorLabels.value(kWebhookPrefix + field);
        QStringList messages;
        if (m_currentWebhook >= 0) {
            for (auto error = m_errors.cbegin(); error != m_errors.cend(); ++error) {
                if (!error.key().startsWith(prefix))
                    continue;
                const QString rest = error.key().mid(prefix.size());
                if (rest != field && !rest.startsWith(field + u'.') && !rest.startsWith(field + u'['))
                    continue;
                // "headers.X-Token" -> "X-Token: ...": say which header.
                const QString detail = rest.startsWith(field + u'.') ? rest.mid(field.size() + 1) : QString();
                messages.append(detail.isEmpty() ? capitalised(error.value()) : detail + u": "_s + error.value());
            }
        }
        label->setText(messages.join(u'\n'));
        label->setVisible(!messages.isEmpty());
    }
}

} // namespace keystead::ui
