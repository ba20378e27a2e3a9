#include "ui/common/ListArea.h"

#include "ui/common/ErrorLabel.h"

#include <QAbstractItemView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QVBoxLayout>

namespace keystead::ui {

QLabel *stackListArea(QWidget *area, QLayout *bar, QWidget *view, const QString &errorName, const QString &lastError)
{
    QLabel *error = makeErrorLabel(errorName, area);
    error->setText(lastError);
    error->setVisible(!lastError.isEmpty());

    auto *layout = new QVBoxLayout(area);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(view, 1);
    layout->addWidget(error);
    return error;
}

bool selectRowAt(QAbstractItemView *view, const QModelIndex &index)
{
    if (!index.isValid())
        return false;
    view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    view->scrollTo(index);
    return true;
}

QString selectedRowId(const QAbstractItemView *view, int idRole)
{
    const QModelIndexList rows = view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(idRole).toString();
}

} // namespace keystead::ui
