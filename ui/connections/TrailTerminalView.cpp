#include "ui/connections/TrailTerminalView.h"

#include <QFontDatabase>
#include <QScrollBar>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

// A terminal replay is for reading; a session that wrote megabytes shows its end.
constexpr qsizetype kTerminalBytes = 2 * 1024 * 1024;
constexpr QChar kEscape(0x1b);

// The cursor's line of a minimal terminal: what overwriting, erasing and moving left leave behind.
class TerminalLine
{
public:
    void put(QChar c)
    {
        if (m_column < m_text.size())
            m_text[m_column] = c;
        else {
            m_text += QString(m_column - m_text.size(), u' ');
            m_text += c;
        }
        ++m_column;
    }
    void moveTo(qsizetype column) { m_column = std::max<qsizetype>(0, column); }
    qsizetype column() const { return m_column; }
    void eraseToEnd() { m_text.truncate(std::min(m_column, m_text.size())); }
    void eraseToCursor()
    {
        for (qsizetype i = 0; i < std::min(m_column + 1, m_text.size()); ++i)
            m_text[i] = u' ';
    }
    void clear() { m_text.clear(); }
    QString take()
    {
        QString line = std::move(m_text);
        m_text.clear();
        m_column = 0;
        while (!line.isEmpty() && line.back() == u' ')
            line.chop(1);
        return line;
    }
    bool isEmpty() const { return m_text.isEmpty(); }

private:
    QString m_text;
    qsizetype m_column = 0;
};

// A CSI sequence's first numeric parameter, `fallback` when it has none.
int csiParameter(QStringView parameters, int fallback)
{
    const QStringView first = parameters.left(parameters.indexOf(u';'));
    bool ok = false;
    const int value = first.toInt(&ok);
    return ok ? value : fallback;
}

} // namespace

TrailTerminalView::TrailTerminalView(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
}

void TrailTerminalView::showOutput(const QList<TrailEvent> &events, const QString &channelId)
{
    QByteArray output;
    for (const TrailEvent &event : events) {
        if ((event.type == u"stdout"_s || event.type == u"stderr"_s)
            && (channelId.isEmpty() || event.channelId == channelId))
            output += event.data;
    }
    if (output.size() > kTerminalBytes)
        output = output.right(kTerminalBytes);
    const QString text = render(output);
    if (text == toPlainText())
        return;
    const QScrollBar *bar = verticalScrollBar();
    const bool atEnd = bar->value() == bar->maximum();
    setPlainText(text);
    if (atEnd)
        verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

QString TrailTerminalView::render(const QByteArray &output)
{
    const QString text = QString::fromUtf8(output);
    QStringList lines;
    TerminalLine line;
    const qsizetype size = text.size();
    for (qsizetype i = 0; i < size; ++i) {
        const QChar c = text.at(i);
        if (c == kEscape) {
            if (i + 1 >= size)
                break;
            const QChar kind = text.at(i + 1);
            if (kind == u'[') {
                // CSI: parameters, intermediates, one final byte.
                qsizetype end = i + 2;
                while (end < size && (text.at(end).unicode() < 0x40 || text.at(end).unicode() > 0x7e))
                    ++end;
                if (end >= size)
                    break;
                const QStringView parameters = QStringView(text).mid(i + 2, end - i - 2);
                switch (text.at(end).unicode()) {
                case 'K':
                    switch (csiParameter(parameters, 0)) {
                    case 0: line.eraseToEnd(); break;
                    case 1: line.eraseToCursor(); break;
                    default: line.clear(); break;
                    }
                    break;
                case 'C': line.moveTo(line.column() + std::max(1, csiParameter(parameters, 1))); break;
                case 'D': line.moveTo(line.column() - std::max(1, csiParameter(parameters, 1))); break;
                case 'G': line.moveTo(csiParameter(parameters, 1) - 1); break;
                default: break; // colours, cursor jumps, screen clears: not replayed
                }
                i = end;
            } else if (kind == u']' || kind == u'P' || kind == u'X' || kind == u'^' || kind == u'_') {
                // A string sequence (window title, ...): up to BEL or ESC backslash.
                qsizetype end = i + 2;
                while (end < size && text.at(end) != QChar(0x07)
                       && !(text.at(end) == kEscape && end + 1 < size && text.at(end + 1) == u'\\'))
                    ++end;
                i = end < size && text.at(end) == kEscape ? end + 1 : end;
            } else if (kind == u'(' || kind == u')' || kind == u'*' || kind == u'+' || kind == u'#') {
                i += 2; // a character set or line size choice, one more byte
            } else {
                i += 1;
            }
            continue;
        }
        switch (c.unicode()) {
        case '\n': lines.append(line.take()); break;
        case '\r': line.moveTo(0); break;
        case '\b': line.moveTo(line.column() - 1); break;
        case '\t': line.moveTo((line.column() / 8 + 1) * 8); break;
        default:
            if (c.unicode() >= 0x20 && c.unicode() != 0x7f)
                line.put(c);
            break;
        }
    }
    if (!line.isEmpty())
        lines.append(line.take());
    return lines.join(u'\n');
}

} // namespace keystead::ui
