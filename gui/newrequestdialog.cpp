#include "newrequestdialog.h"

#include "session.h"

#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace threadline::gui {

NewRequestDialog::NewRequestDialog(Session *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_title(new QLineEdit(this))
    , m_body(new QPlainTextEdit(this))
    , m_requester(makePersonPicker(false))
    , m_assignee(makePersonPicker(true))
    , m_team(new QComboBox(this))
    , m_followerPicker(makePersonPicker(false))
    , m_followers(new QListWidget(this))
    , m_error(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("New request"));
    setObjectName(QStringLiteral("newRequestDialog"));
    m_title->setMaxLength(200);
    m_title->setPlaceholderText(tr("What is the request about?"));
    m_body->setPlaceholderText(tr("Details (optional)"));
    m_body->setTabChangesFocus(true);
    m_team->addItem(tr("No team"), qint64(0));
    for (const Team &t : m_session->teams())
        m_team->addItem(t.name, t.id);
    // The agent is the usual assignee of what they create.
    m_assignee->setCurrentIndex(qMax(0, m_assignee->findData(m_session->agentId())));
    m_requester->setCurrentIndex(-1);
    m_requester->setEditText({});
    m_followerPicker->setCurrentIndex(-1);
    m_followerPicker->setEditText({});
    m_followerPicker->lineEdit()->setPlaceholderText(tr("Type a name, then Enter"));
    m_requester->lineEdit()->setPlaceholderText(tr("Who asks? Type a name"));
    m_followers->setMaximumHeight(m_followers->fontMetrics().lineSpacing() * 5);
    m_followers->setAccessibleName(tr("Followers"));
    m_error->setWordWrap(true);
    m_error->setForegroundRole(QPalette::BrightText);
    m_error->hide();
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Create request"));

    auto *addButton = new QPushButton(tr("&Add"), this);
    auto *removeButton = new QPushButton(tr("&Remove"), this);
    auto *followerRow = new QHBoxLayout;
    followerRow->addWidget(m_followerPicker, 1);
    followerRow->addWidget(addButton);
    followerRow->addWidget(removeButton);

    auto *form = new QFormLayout;
    form->addRow(tr("&Title:"), m_title);
    form->addRow(tr("&Details:"), m_body);
    form->addRow(tr("Re&quester:"), m_requester);
    form->addRow(tr("Assi&gnee:"), m_assignee);
    form->addRow(tr("T&eam:"), m_team);
    form->addRow(tr("&Followers:"), followerRow);
    form->addRow(QString(), m_followers);
    auto *note =
        new QLabel(tr("Everyone listed (requester, assignee, team members and followers) gets their own "
                      "Slack thread about this request, saying why they are notified."),
                   this);
    note->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &NewRequestDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(addButton, &QPushButton::clicked, this, &NewRequestDialog::addFollower);
    connect(m_followerPicker->lineEdit(), &QLineEdit::returnPressed, this, &NewRequestDialog::addFollower);
    connect(removeButton, &QPushButton::clicked, this, [this] { delete m_followers->currentItem(); });
    connect(m_title, &QLineEdit::textChanged, this, &NewRequestDialog::validate);
    connect(m_requester, &QComboBox::currentTextChanged, this, &NewRequestDialog::validate);
    validate();
    resize(520, sizeHint().height());
}

QComboBox *NewRequestDialog::makePersonPicker(bool allowNone)
{
    auto *picker = new QComboBox(this);
    picker->setEditable(true);
    picker->setInsertPolicy(QComboBox::NoInsert);
    if (allowNone)
        picker->addItem(tr("Unassigned"), qint64(0));
    for (const Person &p : m_session->people())
        picker->addItem(p.email.isEmpty() ? p.name : tr("%1 <%2>").arg(p.name, p.email), p.id);
    auto *completer = new QCompleter(picker->model(), picker);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    completer->setCompletionMode(QCompleter::PopupCompletion);
    picker->setCompleter(completer);
    return picker;
}

qint64 NewRequestDialog::pickedPerson(const QComboBox *picker) const
{
    const QString text = picker->currentText().trimmed();
    if (text.isEmpty())
        return -1;
    int index = picker->findText(text, Qt::MatchFixedString);
    if (index < 0) {
        // A unique prefix or name match is as good as the full entry.
        int found = -1;
        for (int i = 0; i < picker->count(); ++i)
            if (picker->itemText(i).contains(text, Qt::CaseInsensitive)) {
                if (found >= 0)
                    return -1;
                found = i;
            }
        index = found;
    }
    return index < 0 ? -1 : picker->itemData(index).toLongLong();
}

void NewRequestDialog::addFollower()
{
    const qint64 id = pickedPerson(m_followerPicker);
    if (id <= 0) {
        showError(tr("Pick a follower from the list of people."));
        return;
    }
    for (int i = 0; i < m_followers->count(); ++i)
        if (m_followers->item(i)->data(Qt::UserRole).toLongLong() == id)
            return;
    auto *item = new QListWidgetItem(m_session->personName(id), m_followers);
    item->setData(Qt::UserRole, id);
    m_followerPicker->setEditText({});
    m_error->hide();
}

void NewRequestDialog::validate()
{
    m_buttons->button(QDialogButtonBox::Ok)
        ->setEnabled(!m_title->text().trimmed().isEmpty() && !m_requester->currentText().trimmed().isEmpty());
}

NewRequest NewRequestDialog::request() const
{
    NewRequest r;
    r.title = m_title->text().trimmed();
    r.body = m_body->toPlainText().trimmed();
    r.requesterId = qMax<qint64>(0, pickedPerson(m_requester));
    r.assigneeId = qMax<qint64>(0, pickedPerson(m_assignee));
    r.teamId = m_team->currentData().toLongLong();
    for (int i = 0; i < m_followers->count(); ++i)
        r.followerIds << m_followers->item(i)->data(Qt::UserRole).toLongLong();
    r.actorId = m_session->agentId();
    return r;
}

void NewRequestDialog::accept()
{
    const NewRequest r = request();
    if (r.title.isEmpty()) {
        showError(tr("The request needs a title."));
        return;
    }
    if (r.requesterId <= 0) {
        showError(tr("Pick the requester from the list of people."));
        return;
    }
    if (pickedPerson(m_assignee) < 0) {
        showError(tr("Pick the assignee from the list of people, or Unassigned."));
        return;
    }
    m_error->hide();
    Q_EMIT submitted(r);
}

void NewRequestDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->show();
}

void NewRequestDialog::setBusy(bool busy)
{
    m_buttons->setEnabled(!busy);
    if (!busy)
        validate();
}

} // namespace threadline::gui
