// Contract version 2 around the loop: the one-time notice at registration, a named
// assignee accountable inside the lead org (首问负责, 督办问责), notes with evidence, and the
// action table an embedder can read to build its menus.
#include <iostream>

#include <fengqiao/action_table.hpp>
#include <fengqiao/engine.hpp>

int main() {
  using fengqiao::Action;
  using fengqiao::Role;

  fengqiao::EngineOptions options;
  options.rules = fengqiao::DeadlineRules::from_json(
                      {{"notices", {{"land", {"land contract or certificate", "survey map of the plot"}},
                                    {"*", {"identity document of each party"}}}}})
                      .value();
  fengqiao::Engine engine(std::move(options));

  const fengqiao::Actor intake{"u-intake-1", Role::intake, "center"};
  const fengqiao::Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
  const fengqiao::Actor zhang{"u-hj-1", Role::handler, "justice_xilinji"};
  const fengqiao::Actor li{"u-hj-2", Role::handler, "justice_xilinji"};

  fengqiao::Case c = engine.register_case(
      "C-2025-0101", intake,
      {{"channel", "walk_in"}, {"category", "land"}, {"urgency", "normal"},
       {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
       {"parties", {{{"name", "Wang Li"}, {"account", "citizen-wl"}}, {{"name", "Zhao Gang"}}}},
       {"summary", "Boundary of two plots."}});
  std::cout << "one-time notice:";
  for (const std::string& item : c.notice) std::cout << " [" << item << "]";
  std::cout << '\n';

  engine.act(c.id, Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  // Zhang claims the case; from now on only Zhang acts as "the handler of the lead org".
  engine.act(c.id, Action::assign, zhang, {{"assignee", zhang.id}});
  auto refused = engine.try_act(c.id, Action::accept, li);
  std::cout << "Li may not accept: " << refused.error().describe() << '\n';
  engine.act(c.id, Action::accept, zhang);
  c = engine.act(c.id, Action::note, zhang,
                 {{"text", "Measured the boundary with both parties."},
                  {"attachments", {{{"ref", "dms://2025/0101/survey.pdf"}, {"kind", "survey"}}}}});
  std::cout << "assignee " << c.assignee.value_or("-") << ", notes " << c.notes << '\n';

  // The table behind all of it, e.g. for a "who may do what" screen.
  const fengqiao::ActionSpec& note = fengqiao::spec_of(Action::note);
  std::cout << "note is allowed from closed: " << std::boolalpha << note.allowed_from(fengqiao::State::closed)
            << '\n';
  return c.assignee == zhang.id && c.notes == 1 && !refused ? 0 : 1;
}
