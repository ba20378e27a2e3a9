#pragma once

#include <QString>

QT_BEGIN_NAMESPACE
class QAbstractItemView;
class QLabel;
class QLayout;
class QModelIndex;
class QWidget;
QT_END_NAMESPACE

namespace keystead::ui {

// The list half of a panel, stacked in `area` without margins: its button and
// filter bar, the view taking the room, and under it the inline error (named
// `errorName`, showing `lastError` when there is one). Returns the error label.
QLabel *stackListArea(QWidget *area, QLayout *bar, QWidget *view, const QString &errorName, const QString &lastError);

// Selects the row of `index` (an index of the view's model) and scrolls to it; false when it is not shown.
bool selectRowAt(QAbstractItemView *view, const QModelIndex &index);
// The `idRole` value of the selected row; empty with none selected.
QString selectedRowId(const QAbstractItemView *view, int idRole);

} // namespace keystead::ui
