// timeline_svg: the Timeline model drawn by hand as SVG 1.1, one row per lifecycle state.
#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>

#include "fengqiao/timeline.hpp"
#include "timeline/xml_text.hpp"

namespace fengqiao {
namespace {

using detail::xml_escaped;

constexpr double kWidth = 1100, kLabelWidth = 200, kRightMargin = 24;
constexpr double kChartTop = 84, kRowHeight = 40, kLineHeight = 15;
// Days off are shaded only while a day is wide enough to see.
constexpr std::int64_t kMaxShadedDays = 400;
// Marks closer than this on one row are moved apart to the right (their titles keep the
// exact instants): a warning and an overdue at one midnight would hide each other.
constexpr double kMarkSpacing = 8;
// Fonts with Chinese glyphs on the systems a center uses, before the viewer's default.
constexpr const char* kFonts = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif";

// The state whose row a clock of this stage belongs to (LIFECYCLE.md "States").
State state_of(Stage s) {
  switch (s) {
    case Stage::dispatch: return State::registered;
    case Stage::accept: return State::dispatched;
    case Stage::handling: return State::handling;
    case Stage::consulting: return State::consulting;
    case Stage::feedback: return State::concluded;
    case Stage::follow_up: return State::feedback_given;
  }
  return State::registered;
}

// The six-step closed loop's own names (LIFECYCLE.md), beside the vocabulary's.
const char* chinese_name(State s) {
  switch (s) {
    case State::registered: return "综合登记";
    case State::dispatched: return "分流转办";
    case State::handling: return "事项办理";
    case State::consulting: return "会商化解";
    case State::suspended: return "中止";
    case State::concluded: return "办结";
    case State::feedback_given: return "反馈 · 回访";
    case State::closed: return "结案";
    case State::withdrawn: return "撤回";
  }
  return "";
}

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

class Drawing {
 public:
  explicit Drawing(const Timeline& t) : t_(t) {
    lo_ = t.from;
    hi_ = t.until;
    for (const TimelineClock& c : t.clocks) hi_ = std::max({hi_, c.deadline(), c.first_deadline});
    for (const TimelinePause& p : t.pauses) hi_ = std::max(hi_, p.to);
    if (hi_ <= lo_) hi_ = lo_ + Seconds(3600);
    const Seconds pad((hi_ - lo_).count() / 40 + 1);
    lo_ -= pad;
    hi_ += pad;
    std::array<bool, enum_count<State>> used{};
    for (const TimelineBar& b : t.bars) used[static_cast<std::size_t>(b.state)] = true;
    for (const TimelineClock& c : t.clocks) used[static_cast<std::size_t>(state_of(c.stage))] = true;
    for (std::size_t s = 0; s < used.size(); ++s)
      if (used[s]) rows_.push_back(static_cast<State>(s));
  }

  std::string render() {
    const double chart_bottom = row_top(rows_.size());
    const double list_top = chart_bottom + 56;
    const double height = list_top + kLineHeight * static_cast<double>(t_.marks.size() + 1) + 12;
    out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << kWidth << "\" height=\""
         << number(height) << "\" viewBox=\"0 0 " << kWidth << ' ' << number(height)
         << "\" font-family=\"" << kFonts << "\" font-size=\"12\">\n";
    out_ << "<title>" << xml_escaped("Case " + t_.case_id + " timeline") << "</title>\n";
    style();
    header();
    days_off(chart_bottom);
    axis(chart_bottom);
    for (std::size_t i = 0; i < rows_.size(); ++i) row(i);
    legend(chart_bottom + 18);
    event_list(list_top);
    out_ << "</svg>\n";
    return out_.str();
  }

 private:
  double x(Instant t) const {
    const double span = static_cast<double>((hi_ - lo_).count());
    return kLabelWidth + static_cast<double>((t - lo_).count()) / span * (kWidth - kLabelWidth - kRightMargin);
  }
  double row_top(std::size_t i) const { return kChartTop + kRowHeight * static_cast<double>(i); }
  std::string when(Instant t) const { return format_instant(t, t_.offset); }
  std::string between(Instant a, Instant b, bool open) const {
    return "from " + when(a) + (open ? " (still at " + when(b) + ")" : " to " + when(b));
  }

  void style() {
    out_ << "<style>\n"
            "  .row-label{font-weight:bold} .row-note{fill:#555;font-size:10px} .axis{fill:#444;font-size:10px}\n"
            "  .grid{stroke:#ddd} .day-off{fill:#f0f0f0} .stripe{fill:#fafbfc}\n"
            "  .bar{stroke:#fff;stroke-width:0.5} .bar.open{fill-opacity:0.55}\n"
            "  .on_track{fill:#4e79a7} .warning{fill:#f1b82d} .overdue{fill:#e15759} .escalated{fill:#8b1a1a}\n"
            "  .bar.closed,.bar.withdrawn{fill:#888}\n"
            "  .allowance{stroke:#8fa8c8;stroke-width:3;stroke-linecap:round}\n"
            "  .deadline{stroke:#d62728;stroke-width:2} .first-deadline{stroke:#d62728;stroke-dasharray:3 3;opacity:0.6}\n"
            "  .warning-at{stroke:#c99a06;stroke-width:2}\n"
            "  .pause{fill:url(#hatch);stroke:#777;stroke-dasharray:2 2}\n"
            "  .event .action{fill:#1f3b57;stroke:#fff} .event .note{fill:#7a7a7a;stroke:#fff}\n"
            "  .event .deadline_warning{fill:#f1b82d;stroke:#5c4500} .event .deadline_overdue{fill:#e15759;stroke:#5c0000}\n"
            "  .event .escalated,.event .supervise{fill:#8b1a1a;stroke:#fff} .caveat{fill:#b00020}\n"
            "</style>\n"
            "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#e8e8e8\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999\" stroke-width=\"2\"/></pattern></defs>\n";
  }

  void header() {
    out_ << "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">"
         << xml_escaped("Case " + t_.case_id + " — " + t_.category + ", " + std::string(to_string(t_.urgency)) +
                        ", " + std::string(to_string(t_.state)))
         << "</text>\n";
    out_ << "<text x=\"10\" y=\"40\" class=\"row-note\">"
         << xml_escaped(when(t_.from) + " to " + when(t_.until) + "; instants in " + t_.offset.to_string() +
                        "; bars: the state, coloured by supervision; lines: each clock from its start to its "
                        "deadline")
         << "</text>\n";
    if (!t_.caveat.empty())
      out_ << "<text x=\"10\" y=\"56\" class=\"caveat\">" << xml_escaped(t_.caveat) << "</text>\n";
  }

  void days_off(double bottom) {
    const DayNumber first = t_.calendar.day_of(lo_), last = t_.calendar.day_of(hi_);
    if (last - first > kMaxShadedDays) return;
    out_ << "<g class=\"days-off\">\n";
    for (DayNumber d = first; d <= last; ++d) {
      if (t_.calendar.is_working_day(d)) continue;
      DayNumber end = d;
      while (end + 1 <= last && !t_.calendar.is_working_day(end + 1)) ++end;
      const double a = std::max(x(t_.calendar.start_of(d)), kLabelWidth);
      const double b = std::min(x(t_.calendar.end_of(end)), kWidth - kRightMargin);
      out_ << "<rect class=\"day-off\" x=\"" << number(a) << "\" y=\"" << kChartTop << "\" width=\""
           << number(std::max(b - a, 0.0)) << "\" height=\"" << number(bottom - kChartTop) << "\"/>\n";
      d = end;
    }
    out_ << "</g>\n";
  }

  void axis(double bottom) {
    static constexpr std::array<std::int64_t, 12> kSteps = {3600,      3 * 3600,  6 * 3600,   12 * 3600,
                                                           86400,     2 * 86400, 7 * 86400,  14 * 86400,
                                                           28 * 86400, 56 * 86400, 91 * 86400, 364 * 86400};
    const std::int64_t span = (hi_ - lo_).count();
    std::int64_t step = kSteps.back();
    for (std::int64_t s : kSteps)
      if (span / s <= 9) {
        step = s;
        break;
      }
    // Ticks on the calendar's midnights (or its hours), not UTC's.
    const std::int64_t offset = t_.offset.seconds();
    const std::int64_t align = step < 86400 ? step : 86400;
    std::int64_t tick = ((lo_.time_since_epoch().count() + offset) / align + 1) * align - offset;
    out_ << "<g class=\"axis-ticks\">\n";
    for (; tick < hi_.time_since_epoch().count(); tick += step) {
      const Instant at{Seconds(tick)};
      const std::string text = when(at);
      const std::string label = step < 86400 ? text.substr(5, 5) + " " + text.substr(11, 5) : text.substr(0, 10);
      out_ << "<line class=\"grid\" x1=\"" << number(x(at)) << "\" y1=\"" << kChartTop - 6 << "\" x2=\""
           << number(x(at)) << "\" y2=\"" << number(bottom) << "\"/><text class=\"axis\" x=\"" << number(x(at))
           << "\" y=\"" << kChartTop - 10 << "\" text-anchor=\"middle\">" << label << "</text>\n";
    }
    out_ << "</g>\n";
  }

  void row(std::size_t i) {
    const State state = rows_[i];
    const double top = row_top(i);
    std::string note = chinese_name(state);
    for (const TimelineClock& c : t_.clocks)
      if (state_of(c.stage) == state) {
        note += " · " + std::string(to_string(c.stage)) + " clock";
        break;
      }
    out_ << "<g class=\"row " << to_string(state) << "\">\n";
    if (i % 2 == 0)
      out_ << "<rect class=\"stripe\" x=\"0\" y=\"" << number(top) << "\" width=\"" << kLabelWidth << "\" height=\""
           << kRowHeight << "\"/>\n";
    out_ << "<text class=\"row-label\" x=\"10\" y=\"" << number(top + 17) << "\">" << to_string(state)
         << "</text><text class=\"row-note\" x=\"10\" y=\"" << number(top + 31) << "\">" << xml_escaped(note)
         << "</text>\n";
    for (const TimelinePause& p : t_.pauses)
      if (state_of(p.stage) == state) pause(p, top);
    // Successive clocks of one row alternate between two lines: a reopened case's clocks
    // overlap in time, and one line would merge them.
    int k = 0;
    for (const TimelineClock& c : t_.clocks)
      if (state_of(c.stage) == state) clock(c, top, top + 30 + 6 * (k++ % 2));
    for (const TimelineBar& b : t_.bars)
      if (b.state == state) bar(b, top);
    double last_mark = -kMarkSpacing;
    for (const TimelineMark& m : t_.marks)
      if (row_state(m) == state) last_mark = mark(m, top, std::max(x(m.at), last_mark + kMarkSpacing));
    out_ << "</g>\n";
  }

  void pause(const TimelinePause& p, double top) {
    out_ << "<rect class=\"pause\" x=\"" << number(x(p.from)) << "\" y=\"" << number(top + 3) << "\" width=\""
         << number(std::max(x(p.to) - x(p.from), 2.0)) << "\" height=\"" << kRowHeight - 6 << "\"><title>"
         << xml_escaped(std::string(to_string(p.stage)) + " clock stopped (" + std::string(to_string(p.because)) +
                        ") " + between(p.from, p.to, p.open))
         << "</title></rect>\n";
  }

  void clock(const TimelineClock& c, double top, double y) {
    const Instant deadline = c.deadline();
    const std::string name = std::string(to_string(c.stage)) + " clock";
    const std::string life = "; started " + when(c.started_at) +
                             (c.open ? ", still the case's clock" : ", discarded " + when(c.ended_at));
    out_ << "<line class=\"allowance\" x1=\"" << number(x(c.started_at)) << "\" y1=\"" << number(y) << "\" x2=\""
         << number(x(deadline)) << "\" y2=\"" << number(y) << "\"><title>"
         << xml_escaped(name + ": " + c.explanation.describe(t_.offset)) << "</title></line>\n";
    if (const DeadlineStep* w = c.explanation.step(EventType::deadline_warning))
      out_ << "<line class=\"warning-at\" x1=\"" << number(x(w->at)) << "\" y1=\"" << number(y - 3) << "\" x2=\""
           << number(x(w->at)) << "\" y2=\"" << number(y + 3) << "\"><title>"
           << xml_escaped(name + " warning at " + when(w->at) + " — " + w->why) << "</title></line>\n";
    if (c.first_deadline != deadline)
      out_ << "<line class=\"first-deadline\" x1=\"" << number(x(c.first_deadline)) << "\" y1=\"" << number(top + 4)
           << "\" x2=\"" << number(x(c.first_deadline)) << "\" y2=\"" << number(top + kRowHeight - 2) << "\"><title>"
           << xml_escaped(name + " deadline when it started: " + when(c.first_deadline) +
                          (c.explanation.extended ? " (moved by stops and the extension)" : " (moved by stops)"))
           << "</title></line>\n";
    const DeadlineStep* d = c.explanation.step(EventType::deadline_overdue);
    out_ << "<line class=\"deadline\" x1=\"" << number(x(deadline)) << "\" y1=\"" << number(top + 4) << "\" x2=\""
         << number(x(deadline)) << "\" y2=\"" << number(top + kRowHeight - 2) << "\"><title>"
         << xml_escaped(name + " deadline " + when(deadline) + (d ? " — " + d->why : "") + life) << "</title></line>\n";
  }

  void bar(const TimelineBar& b, double top) {
    std::string what = std::string(to_string(b.state)) + ", " + std::string(to_string(b.supervision));
    if (b.supervision == Supervision::escalated) what += " level " + std::to_string(b.level);
    out_ << "<rect class=\"bar " << to_string(b.state) << ' ' << to_string(b.supervision) << (b.open ? " open" : "")
         << "\" x=\"" << number(x(b.from)) << "\" y=\"" << number(top + 11) << "\" width=\""
         << number(std::max(x(b.to) - x(b.from), 2.0)) << "\" height=\"14\"><title>"
         << xml_escaped(what + " " + between(b.from, b.to, b.open)) << "</title></rect>\n";
  }

  // Engine events sit on their clock's row; an action on the row of the state it led to.
  static State row_state(const TimelineMark& m) {
    return m.type != EventType::action && m.stage ? state_of(*m.stage) : m.state_after;
  }

  std::string title_of(const TimelineMark& m) const {
    std::string s = "#" + std::to_string(m.seq) + " " + m.what + " at " + when(m.at);
    if (m.actor)
      s += " by " + m.actor->id + " (" + std::string(to_string(m.actor->role)) + ", " + m.actor->org + ")";
    else
      s += " (engine)";
    if (!m.detail.empty()) s += ": " + m.detail;
    return s;
  }

  // Draws the mark at `cx` and returns it.
  double mark(const TimelineMark& m, double top, double cx) {
    const double cy = top + 18;
    const char* kind = m.type != EventType::action ? nullptr
                       : m.action == Action::note  ? "note"
                       : m.action == Action::supervise ? "supervise"
                                                       : "action";
    const std::string cls = kind ? kind : std::string(to_string(m.type));
    out_ << "<g class=\"event " << cls << "\"><title>" << xml_escaped(title_of(m)) << "</title>";
    if (m.type == EventType::action && m.action != Action::supervise) {
      out_ << "<circle class=\"" << cls << "\" cx=\"" << number(cx) << "\" cy=\"" << number(cy) << "\" r=\"4\"/>";
    } else if (m.type == EventType::escalated || m.action == Action::supervise) {
      out_ << "<path class=\"" << cls << "\" d=\"M" << number(cx) << ' ' << number(cy - 7) << " l6 7 l-6 7 l-6 -7 z\"/>";
      if (m.type == EventType::escalated)
        out_ << "<text x=\"" << number(cx) << "\" y=\"" << number(cy - 9) << "\" font-size=\"9\" text-anchor=\"middle\">"
             << m.level << "</text>";
    } else {
      out_ << "<path class=\"" << cls << "\" d=\"M" << number(cx) << ' ' << number(cy - 7)
           << " l6 11 l-12 0 z\"/>";
    }
    out_ << "</g>\n";
    return cx;
  }

  void legend(double y) {
    struct Item {
      const char* shape;
      const char* label;
    };
    const Item items[] = {
        {"<rect class=\"bar on_track\" width=\"14\" height=\"10\"/>", "on_track"},
        {"<rect class=\"bar warning\" width=\"14\" height=\"10\"/>", "warning"},
        {"<rect class=\"bar overdue\" width=\"14\" height=\"10\"/>", "overdue"},
        {"<rect class=\"bar escalated\" width=\"14\" height=\"10\"/>", "escalated"},
        {"<rect class=\"pause key\" width=\"14\" height=\"10\"/>", "clock stopped"},
        {"<line class=\"allowance key\" x1=\"0\" y1=\"5\" x2=\"14\" y2=\"5\"/>", "clock to deadline"},
        {"<line class=\"deadline key\" x1=\"7\" y1=\"-2\" x2=\"7\" y2=\"12\"/>", "deadline"},
        {"<rect class=\"day-off\" width=\"14\" height=\"10\" stroke=\"#ccc\"/>", "day off"},
    };
    out_ << "<g class=\"legend\">\n";
    double at = kLabelWidth;
    for (const Item& item : items) {
      out_ << "<g transform=\"translate(" << number(at) << ' ' << number(y) << ")\">" << item.shape
           << "<text x=\"18\" y=\"10\" class=\"axis\">" << item.label << "</text></g>\n";
      at += 28 + 6.0 * static_cast<double>(std::string(item.label).size());
    }
    out_ << "</g>\n";
  }

  void event_list(double top) {
    out_ << "<g class=\"list-of-events\" font-size=\"11\">\n<text x=\"10\" y=\"" << number(top) << "\" font-weight=\"bold\">"
         << "Events</text>\n";
    double y = top;
    for (const TimelineMark& m : t_.marks) {
      y += kLineHeight;
      out_ << "<text x=\"10\" y=\"" << number(y) << "\">" << xml_escaped(title_of(m)) << "</text>\n";
    }
    out_ << "</g>\n";
  }

  const Timeline& t_;
  Instant lo_{}, hi_{};
  std::vector<State> rows_;
  std::ostringstream out_;
};

}  // namespace

std::string timeline_svg(const Timeline& timeline) { return Drawing(timeline).render(); }

}  // namespace fengqiao
