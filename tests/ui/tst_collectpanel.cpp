#include "CollectPanelFixture.h"

// The collect sessions panel, offscreen, on a real store with the real collect
// server and webhook dispatcher: the dialog's logic, the live updates driven
// from another thread as the SSH server drives them, and the models under
// QAbstractItemModelTester throughout.
class TestCollectPanel final : public CollectPanelFixture
{
    Q_OBJECT

private Q_SLOTS:

    void dialogCreatesASession();
    void dialogShowsFieldErrorsAndChangesNothing();
    void dialogShowsAConflictOnTheIdentifier();
    void expiryIsTimeoutOrDateNeverBoth();
    void editingSendsOnlyWhatChanged();
    void newButtonOpensTheDialogAndSelectsTheSession();
    void filterByStatusAndText();
    void completeAndDelete();
    void deleteButtonAsksFirst();
};

void TestCollectPanel::dialogCreatesASession()
{
    const CollectSessionsModel &model = m_panel->sessionsModel();
    QCOMPARE(model.rowCount(), 0);
    QSignalSpy inserted(&model, &CollectSessionsModel::rowsInserted);
    QSignalSpy reset(&model, &CollectSessionsModel::modelReset);

    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createNewSessionDialog());
    QVERIFY(!dialog->isEditing());
    child<QLineEdit>(dialog.get(), u"externalId"_s)->setText(u"HR-2290"_s);
    child<QCheckBox>(dialog.get(), u"multiKey"_s)->setChecked(true);
    child<QCheckBox>(dialog.get(), u"mustConfirm"_s)->setChecked(true);
    child<QPlainTextEdit>(dialog.get(), u"sshBanner"_s)->setPlainText(u"Welcome.\nYour keys are collected."_s);
    child<QPlainTextEdit>(dialog.get(), u"sshMessage"_s)->setPlainText(u"Thank you."_s);
    child<QRadioButton>(dialog.get(), u"expiryTimeout"_s)->setChecked(true);
    child<QSpinBox>(dialog.get(), u"timeoutValue"_s)->setValue(2);
    auto *unit = child<QComboBox>(dialog.get(), u"timeoutUnit"_s);
    unit->setCurrentIndex(unit->findData(3600));

    child<QPushButton>(dialog.get(), u"addWebhook"_s)->click();
    child<QLineEdit>(dialog.get(), u"webhookUrl"_s)->setText(u"https://hooks.example/keystead"_s);
    auto *method = child<QComboBox>(dialog.get(), u"webhookMethod"_s);
    method->setCurrentIndex(method->findData(u"put"_s));
    child<QCheckBox>(dialog.get(), u"event_key_collected"_s)->setChecked(true);
    auto *headers = child<QTableWidget>(dialog.get(), u"webhookHeaders"_s);
    for (const auto &[name, value] :
         {std::pair{u"X-Team"_s, u"ops"_s}, std::pair{u"Authorization"_s, u"Bearer abc"_s}}) {
        child<QPushButton>(dialog.get(), u"addHeader"_s)->click();
        const int row = headers->rowCount() - 1;
        headers->item(row, 0)->setText(name);
        headers->item(row, 1)->setText(value);
    }
    child<QSpinBox>(dialog.get(), u"webhookRetries"_s)->setValue(3);
    child<QSpinBox>(dialog.get(), u"webhookInitialBackoff"_s)->setValue(5);
    child<QDoubleSpinBox>(dialog.get(), u"webhookBackoffMultiplier"_s)->setValue(1.5);

    dialog->accept();
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QVERIFY(dialog->errorLocations().isEmpty());
    const CollectSession saved = dialog->savedSession();
    QVERIFY(!saved.id.isEmpty());

    // In the model, without a reset.
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, CollectSessionsModel::Identifier).data().toString(), saved.connectionIdentifier);
    QCOMPARE(model.index(0, CollectSessionsModel::ExternalId).data().toString(), u"HR-2290"_s);
    QCOMPARE(model.index(0, CollectSessionsModel::Status).data().toString(), u"pending"_s);
    QCOMPARE(model.index(0, CollectSessionsModel::Keys).data().toInt(), 0);

    // Stored as the form said.
    const Result<CollectSession> stored = m_core->collect->get(saved.id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->connectionIdentifier.size(), CollectService::kGeneratedIdentifierLength);
    QVERIFY(CollectService::isValidConnectionIdentifier(stored->connectionIdentifier));
    QVERIFY(stored->multiKey);
    QVERIFY(!stored->multiConnection);
    QVERIFY(stored->mustConfirm);
    QCOMPARE(stored->sshBanner.value_or(QString()), u"Welcome.\nYour keys are collected."_s);
    QCOMPARE(stored->sshMessage.value_or(QString()), u"Thank you."_s);
    QCOMPARE(stored->timeout.value_or(0), 7200);
    QCOMPARE(stored->expiredAt, m_core->clock.now().addSecs(7200));
    QCOMPARE(stored->webhooks.size(), 1);
    const CollectWebhook &webhook = stored->webhooks.constFirst();
    QCOMPARE(webhook.url, u"https://hooks.example/keystead"_s);
    QCOMPARE(webhook.method, u"put"_s);
    QCOMPARE(webhook.events, QStringList{u"key_collected"_s});
    QCOMPARE(webhook.headers.value(u"X-Team"_s), QStringList{u"ops"_s});
    // The credential reads back hidden; the store holds it sealed, and it opens to what was typed.
    QCOMPARE(webhook.headers.value(u"Authorization"_s), QStringList{u"[redacted]"_s});
    QCOMPARE(storedHeader(webhook.id, u"Authorization"_s), u"Bearer abc"_s);
    QCOMPARE(webhook.retries, 3);
    QCOMPARE(webhook.initialBackoff, 5);
    QCOMPARE(webhook.backoffMultiplier, 1.5);

    // Selecting it shows its line.
    QVERIFY(m_panel->selectSession(saved.id));
    QCOMPARE(m_panel->selectedSessionId(), saved.id);
    QCOMPARE(m_panel->detail().sshCommand(), u"ssh -p 2222 "_s + saved.connectionIdentifier + u"@127.0.0.1"_s);
    QCOMPARE(child<QLineEdit>(m_panel.get(), u"sshLine"_s)->text(), m_panel->detail().sshCommand());
    child<QPushButton>(m_panel.get(), u"copySshLine"_s)->click();
    QCOMPARE(QGuiApplication::clipboard()->text(), m_panel->detail().sshCommand());
}

void TestCollectPanel::dialogShowsFieldErrorsAndChangesNothing()
{
    QSignalSpy changed(m_core->collect.get(), &CollectService::sessionChanged);
    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createNewSessionDialog());
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));

    child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->setText(u"No Spaces!"_s);
    child<QRadioButton>(dialog.get(), u"expiryAt"_s)->setChecked(true);
    child<QDateTimeEdit>(dialog.get(), u"expiresAt"_s)->setDateTime(m_core->clock.now().addDays(-1).toLocalTime());
    child<QPushButton>(dialog.get(), u"addWebhook"_s)->click();
    child<QLineEdit>(dialog.get(), u"webhookUrl"_s)->setText(u"ftp://files.example/"_s);
    child<QPushButton>(dialog.get(), u"addWebhook"_s)->click();
    child<QLineEdit>(dialog.get(), u"webhookUrl"_s)->setText(u"https://good.example/"_s);
    auto *headers = child<QTableWidget>(dialog.get(), u"webhookHeaders"_s);
    child<QPushButton>(dialog.get(), u"addHeader"_s)->click();
    headers->item(0, 0)->setText(u"Bad Header"_s);
    headers->item(0, 1)->setText(u"x"_s);

    child<QPushButton>(dialog.get(), u"save"_s)->click();
    QVERIFY(dialog->isVisible()); // not closed
    QCOMPARE(dialog->result(), int(QDialog::Rejected));
    QCOMPARE(changed.count(), 0);
    QCOMPARE(m_panel->sessionsModel().rowCount(), 0);
    Result<CollectSessionPage> listed = m_core->collect->list({});
    KEYSTEAD_VERIFY_OK(listed);
    QCOMPARE(listed->total, 0);

    // Each field says what is wrong with it, beside it.
    QVERIFY(!dialog->fieldError(u"connection_identifier"_s).isEmpty());
    QVERIFY2(dialog->fieldError(u"expired_at"_s).contains(u"future"_s),
             qPrintable(dialog->fieldError(u"expired_at"_s)));
    QVERIFY(!dialog->fieldError(u"webhooks[0].url"_s).isEmpty());
    QVERIFY(!dialog->fieldError(u"webhooks[1].headers.Bad Header"_s).isEmpty());
    auto *identifierError = child<QLabel>(dialog.get(), u"connection_identifierError"_s);
    QVERIFY(identifierError->isVisible());
    QVERIFY(identifierError->text().startsWith(u"Must be 3 to 64 characters"_s));
    QVERIFY(child<QLabel>(dialog.get(), u"expiryError"_s)->isVisible());
    QVERIFY(child<QLabel>(dialog.get(), u"external_idError"_s)->isHidden());
    // The first tab with an error is in front.
    QCOMPARE(dialog->findChild<QTabWidget *>()->currentIndex(), 0);

    // The webhook form shows the errors of the webhook shown.
    auto *list = child<QListWidget>(dialog.get(), u"webhookList"_s);
    list->setCurrentRow(0);
    QVERIFY(!child<QLabel>(dialog.get(), u"urlError"_s)->isHidden());
    QVERIFY(child<QLabel>(dialog.get(), u"headersError"_s)->isHidden());
    list->setCurrentRow(1);
    QVERIFY(child<QLabel>(dialog.get(), u"urlError"_s)->isHidden());
    QVERIFY(!child<QLabel>(dialog.get(), u"headersError"_s)->isHidden());
    QVERIFY(child<QLabel>(dialog.get(), u"headersError"_s)->text().startsWith(u"Bad Header: "_s));
    QVERIFY(!list->item(0)->icon().isNull());

    // What was typed stays, to be corrected; corrected, it saves and the errors go.
    QCOMPARE(child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->text(), u"No Spaces!"_s);
    child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->setText(u"no-spaces"_s);
    child<QRadioButton>(dialog.get(), u"expiryNever"_s)->setChecked(true);
    headers->item(0, 0)->setText(u"X-Good"_s);
    list->setCurrentRow(0);
    child<QPushButton>(dialog.get(), u"removeWebhook"_s)->click();
    QCOMPARE(list->count(), 1);
    const Result<CollectSession> saved = dialog->save();
    KEYSTEAD_VERIFY_OK(saved);
    QVERIFY(dialog->errorLocations().isEmpty());
    QVERIFY(!identifierError->isVisible());
    QCOMPARE(saved->connectionIdentifier, u"no-spaces"_s);
    QCOMPARE(saved->webhooks.size(), 1);
    QCOMPARE(saved->webhooks.constFirst().url, u"https://good.example/"_s);
    QCOMPARE(saved->webhooks.constFirst().headers.value(u"X-Good"_s), QStringList{u"x"_s});
    QVERIFY(saved->expiredAt.isNull());
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
}

void TestCollectPanel::dialogShowsAConflictOnTheIdentifier()
{
    CollectSessionInput first;
    first.connectionIdentifier = u"taken-name"_s;
    KEYSTEAD_VERIFY_OK(createSession(first));

    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createNewSessionDialog());
    child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->setText(u"taken-name"_s);
    QVERIFY(!dialog->save());
    QVERIFY2(dialog->fieldError(u"connection_identifier"_s).contains(u"taken"_s),
             qPrintable(dialog->fieldError(u"connection_identifier"_s)));
    QVERIFY(dialog->generalError().isEmpty());
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
}

void TestCollectPanel::expiryIsTimeoutOrDateNeverBoth()
{
    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createNewSessionDialog());
    auto *timeout = child<QRadioButton>(dialog.get(), u"expiryTimeout"_s);
    auto *at = child<QRadioButton>(dialog.get(), u"expiryAt"_s);
    auto *never = child<QRadioButton>(dialog.get(), u"expiryNever"_s);
    // The seed's default: no expiry.
    QVERIFY(never->isChecked());
    QVERIFY(!dialog->input().timeout && !dialog->input().expiredAt);

    timeout->setChecked(true);
    QVERIFY(!at->isChecked());
    QVERIFY(dialog->input().timeout && !dialog->input().expiredAt);
    QVERIFY(child<QSpinBox>(dialog.get(), u"timeoutValue"_s)->isEnabled());
    QVERIFY(!child<QDateTimeEdit>(dialog.get(), u"expiresAt"_s)->isEnabled());

    at->setChecked(true);
    QVERIFY(!timeout->isChecked());
    QVERIFY(!dialog->input().timeout && dialog->input().expiredAt);
    QVERIFY(!child<QSpinBox>(dialog.get(), u"timeoutValue"_s)->isEnabled());
    QVERIFY(child<QDateTimeEdit>(dialog.get(), u"expiresAt"_s)->isEnabled());
    // A day from now (by the store's clock) unless changed.
    QCOMPARE(dialog->input().expiredAt->toSecsSinceEpoch() / 60,
             m_core->clock.now().addDays(1).toSecsSinceEpoch() / 60);
}

void TestCollectPanel::editingSendsOnlyWhatChanged()
{
    CollectSessionInput input;
    input.externalId = u"before"_s;
    input.timeout = 3600;
    CollectWebhook webhook;
    webhook.url = u"https://hooks.example/a"_s;
    webhook.headers.insert(u"Authorization"_s, {u"Bearer s3cr3t"_s});
    webhook.headers.insert(u"X-Team"_s, {u"ops"_s});
    input.webhooks = {webhook};
    const Result<CollectSession> created = createSession(input);
    KEYSTEAD_VERIFY_OK(created);
    QVERIFY(m_panel->selectSession(created->id));

    std::unique_ptr<CollectSessionDialog> dialog(m_panel->createEditDialog());
    QVERIFY(dialog);
    QVERIFY(dialog->isEditing());
    // As stored, with the credential hidden, and nothing to send yet.
    QCOMPARE(child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->text(), created->connectionIdentifier);
    QVERIFY(child<QLineEdit>(dialog.get(), u"connectionIdentifier"_s)->isReadOnly());
    QCOMPARE(child<QLineEdit>(dialog.get(), u"externalId"_s)->text(), u"before"_s);
    QVERIFY(child<QRadioButton>(dialog.get(), u"expiryTimeout"_s)->isChecked());
    QCOMPARE(child<QSpinBox>(dialog.get(), u"timeoutValue"_s)->value(), 1);
    QCOMPARE(child<QComboBox>(dialog.get(), u"timeoutUnit"_s)->currentData().toInt(), 3600);
    auto *headers = child<QTableWidget>(dialog.get(), u"webhookHeaders"_s);
    QCOMPARE(headers->rowCount(), 2);
    for (int row = 0; row < headers->rowCount(); ++row) {
        QVERIFY(!headers->item(row, 1)->text().contains(u"s3cr3t"_s));
        if (headers->item(row, 0)->text() == u"Authorization"_s)
            QCOMPARE(headers->item(row, 1)->text(), u"[redacted]"_s);
    }
    QVERIFY(dialog->changes().isEmpty());

    QSignalSpy dataChanged(&m_panel->sessionsModel(), &CollectSessionsModel::dataChanged);
    QSignalSpy reset(&m_panel->sessionsModel(), &CollectSessionsModel::modelReset);
    child<QLineEdit>(dialog.get(), u"externalId"_s)->setText(u"after"_s);
    child<QCheckBox>(dialog.get(), u"multiConnection"_s)->setChecked(true);
    child<QLineEdit>(dialog.get(), u"webhookUrl"_s)->setText(u"https://hooks.example/b"_s);
    const CollectSessionPatch patch = dialog->changes();
    QVERIFY(patch.externalId && patch.multiConnection && patch.webhooks);
    QVERIFY(!patch.timeout && !patch.expiredAt && !patch.multiKey && !patch.mustConfirm && !patch.sshBanner);

    dialog->accept();
    QCOMPARE(dialog->result(), int(QDialog::Accepted));
    QCOMPARE(reset.count(), 0);
    QVERIFY(dataChanged.count() >= 1);
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
    QCOMPARE(m_panel->sessionsModel().index(0, CollectSessionsModel::ExternalId).data().toString(), u"after"_s);

    const Result<CollectSession> stored = m_core->collect->get(created->id);
    KEYSTEAD_VERIFY_OK(stored);
    QCOMPARE(stored->externalId.value_or(QString()), u"after"_s);
    QVERIFY(stored->multiConnection);
    QCOMPARE(stored->timeout.value_or(0), 3600); // untouched
    QCOMPARE(stored->webhooks.size(), 1);
    QCOMPARE(stored->webhooks.constFirst().id, created->webhooks.constFirst().id); // kept: its secret stays
    QCOMPARE(stored->webhooks.constFirst().url, u"https://hooks.example/b"_s);
    // The hidden credential was kept, not replaced by its mask.
    QCOMPARE(storedHeader(stored->webhooks.constFirst().id, u"Authorization"_s), u"Bearer s3cr3t"_s);

    // Moving the expiry to a date sends that date and drops the timeout.
    std::unique_ptr<CollectSessionDialog> again(m_panel->createEditDialog());
    child<QRadioButton>(again.get(), u"expiryAt"_s)->setChecked(true);
    const QDateTime when = QDateTime(QDate(2026, 3, 1), QTime(9, 30), Qt::LocalTime);
    child<QDateTimeEdit>(again.get(), u"expiresAt"_s)->setDateTime(when);
    const CollectSessionPatch second = again->changes();
    QVERIFY(second.expiredAt && !second.timeout && !second.webhooks && !second.externalId);
    KEYSTEAD_VERIFY_OK(again->save());
    const Result<CollectSession> moved = m_core->collect->get(created->id);
    KEYSTEAD_VERIFY_OK(moved);
    QVERIFY(!moved->timeout);
    QCOMPARE(moved->expiredAt, when.toUTC());
}

void TestCollectPanel::newButtonOpensTheDialogAndSelectsTheSession()
{
    child<QPushButton>(m_panel.get(), u"newSession"_s)->click();
    auto *dialog = m_panel->findChild<CollectSessionDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    child<QLineEdit>(dialog, u"connectionIdentifier"_s)->setText(u"from-the-button"_s);
    QPointer<CollectSessionDialog> guard(dialog);
    child<QPushButton>(dialog, u"save"_s)->click();
    QTRY_VERIFY(guard.isNull()); // closed and gone
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
    const QString id = m_panel->sessionsModel().sessionAt(0).id;
    QCOMPARE(m_panel->selectedSessionId(), id);
    QCOMPARE(m_panel->detail().sessionId(), id);
    QVERIFY(m_panel->detail().sshCommand().contains(u"from-the-button@"_s));
}

void TestCollectPanel::filterByStatusAndText()
{
    CollectSessionInput pending;
    pending.connectionIdentifier = u"alpha-one"_s;
    pending.externalId = u"TICKET-77"_s;
    KEYSTEAD_VERIFY_OK(createSession(pending));
    m_core->clock.advanceSeconds(1);
    CollectSessionInput done;
    done.connectionIdentifier = u"beta-two"_s;
    const Result<CollectSession> completed = createSession(done);
    KEYSTEAD_VERIFY_OK(completed);
    KEYSTEAD_VERIFY_OK(m_core->collect->complete(completed->id));
    m_core->clock.advanceSeconds(1);
    CollectSessionInput soon;
    soon.connectionIdentifier = u"gamma-three"_s;
    soon.timeout = 60;
    KEYSTEAD_VERIFY_OK(createSession(soon));
    m_core->clock.advanceSeconds(120);
    const Result<int> expired = m_core->collect->expireDue();
    KEYSTEAD_VERIFY_OK(expired);
    QCOMPARE(expired.value(), 1);

    const ui::CollectSessionsFilter &filter = m_panel->sessionsFilter();
    const auto shown = [&filter] {
        QStringList identifiers;
        for (int row = 0; row < filter.rowCount(); ++row)
            identifiers.append(filter.index(row, CollectSessionsModel::Identifier).data().toString());
        identifiers.sort();
        return identifiers;
    };
    QCOMPARE(shown(), (QStringList{u"alpha-one"_s, u"beta-two"_s, u"gamma-three"_s}));
    QCOMPARE(m_panel->sessionsModel().index(m_panel->sessionsModel().rowOf(completed->id), 0).data().toString(),
             u"completed"_s);

    auto *status = child<QComboBox>(m_panel.get(), u"statusFilter"_s);
    status->setCurrentIndex(status->findData(static_cast<int>(CollectStatus::Pending)));
    QCOMPARE(shown(), QStringList{u"alpha-one"_s});
    status->setCurrentIndex(status->findData(static_cast<int>(CollectStatus::Expired)));
    QCOMPARE(shown(), QStringList{u"gamma-three"_s});
    status->setCurrentIndex(0);
    QVERIFY(!filter.statusFilter());

    auto *text = child<QLineEdit>(m_panel.get(), u"textFilter"_s);
    text->setText(u"TWO"_s);
    QCOMPARE(shown(), QStringList{u"beta-two"_s});
    text->setText(u"ticket-7"_s); // the external id, any case
    QCOMPARE(shown(), QStringList{u"alpha-one"_s});
    status->setCurrentIndex(status->findData(static_cast<int>(CollectStatus::Completed)));
    QCOMPARE(shown(), QStringList());
    text->clear();
    QCOMPARE(shown(), QStringList{u"beta-two"_s});

    // A session that changes status leaves the filtered view by itself.
    status->setCurrentIndex(status->findData(static_cast<int>(CollectStatus::Pending)));
    const Result<CollectSession> alpha = m_core->collect->findByConnectionIdentifier(u"alpha-one"_s);
    KEYSTEAD_VERIFY_OK(alpha);
    KEYSTEAD_VERIFY_OK(m_core->collect->complete(alpha->id));
    QCOMPARE(shown(), QStringList());

    // Sorted by the raw values: newest first by creation.
    status->setCurrentIndex(0);
    QCOMPARE(filter.index(0, CollectSessionsModel::Identifier).data().toString(), u"gamma-three"_s);
}

void TestCollectPanel::completeAndDelete()
{
    CollectSessionInput input;
    input.multiConnection = true;
    const Result<CollectSession> session = createSession(input);
    KEYSTEAD_VERIFY_OK(session);
    auto *complete = child<QPushButton>(m_panel.get(), u"completeSession"_s);
    auto *remove = child<QPushButton>(m_panel.get(), u"deleteSession"_s);
    auto *stack = child<QStackedWidget>(m_panel.get(), u"detailStack"_s);
    QVERIFY(!complete->isEnabled() && !remove->isEnabled());
    QVERIFY(!m_panel->completeSelected());
    QVERIFY(qobject_cast<ui::EmptyStatePanel *>(stack->currentWidget()));

    QVERIFY(m_panel->selectSession(session->id));
    QCOMPARE(stack->currentWidget(), &m_panel->detail());
    QVERIFY(complete->isEnabled() && remove->isEnabled());
    complete->click();
    QVERIFY(m_panel->errorText().isEmpty());
    const CollectSessionsModel &model = m_panel->sessionsModel();
    QCOMPARE(model.index(0, CollectSessionsModel::Status).data().toString(), u"completed"_s);
    QVERIFY(!complete->isEnabled()); // a completed session cannot be completed again
    QCOMPARE(m_panel->selectedSessionId(), session->id);

    QSignalSpy removed(&model, &CollectSessionsModel::rowsRemoved);
    KEYSTEAD_VERIFY_OK(m_panel->deleteSelected());
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(m_panel->selectedSessionId().isEmpty());
    QVERIFY(qobject_cast<ui::EmptyStatePanel *>(stack->currentWidget()));
    QVERIFY(!remove->isEnabled());
    QCOMPARE(m_core->collect->get(session->id).error().kind, Error::Kind::NotFound);
}

void TestCollectPanel::deleteButtonAsksFirst()
{
    const Result<CollectSession> session = createSession({});
    KEYSTEAD_VERIFY_OK(session);
    QVERIFY(m_panel->selectSession(session->id));
    auto *remove = child<QPushButton>(m_panel.get(), u"deleteSession"_s);
    QCOMPARE(answeringDialogs([remove] { remove->click(); }, clickMessageBox(QMessageBox::Cancel)), 1);
    QCOMPARE(m_panel->sessionsModel().rowCount(), 1);
    QCOMPARE(answeringDialogs([remove] { remove->click(); }, clickMessageBox(QMessageBox::Yes)), 1);
    QCOMPARE(m_panel->sessionsModel().rowCount(), 0);
}

KEYSTEAD_UI_TEST_MAIN(TestCollectPanel)
#include "tst_collectpanel.moc"
