#pragma once

#include <QString>

QT_BEGIN_NAMESPACE
class QLabel;
class QWidget;
QT_END_NAMESPACE

namespace keystead::ui {

// The inline error every form shows beside what went wrong: red, wrapped,
// selectable (so it can be copied into a ticket), hidden until it has a text.
QLabel *makeErrorLabel(const QString &objectName, QWidget *parent);

} // namespace keystead::ui
