#pragma once

#include <QDialog>

namespace keystead::ui {

// Opens `dialog` (modal to its window, without blocking) and deletes it once it
// is closed; returns it, or does nothing with none (nothing selected to edit).
template <typename Dialog>
Dialog *openDialog(Dialog *dialog)
{
    if (!dialog)
        return nullptr;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

} // namespace keystead::ui
