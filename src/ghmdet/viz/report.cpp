#include "ghmdet/viz/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "ghmdet/core/error.h"
#include "ghmdet/viz/base64.h"
#include "ghmdet/viz/report_figures.h"
#include "ghmdet/viz/run_data.h"
#include "ghmdet/viz/svg_writer.h"

namespace fs = std::filesystem;

namespace ghmdet::viz {

namespace {

const char* const kCss = R"(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 16px auto; max-width: 1500px;
       padding: 0 16px; color: #1a1a1a; background: #fafafa; line-height: 1.45; }
h1 { font-size: 26px; margin-bottom: 4px; }
h2 { font-size: 21px; margin-top: 36px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 17px; margin: 22px 0 6px; }
p.note { color: #555; max-width: 1000px; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #444; max-width: 640px; margin-top: 4px; }
figcaption a { color: #0060a0; }
table { border-collapse: collapse; background: #fff; font-size: 14px; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
th { background: #f0f0f0; } td.name, th.name { text-align: left; }
.pictures { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 10px; }
.pictures figure img { width: 100%; image-rendering: auto; display: block; }
.pictures figcaption { font-size: 12px; word-break: break-all; }
.missing { color: #8a4b00; background: #fff6e5; border: 1px solid #f0d9a8; padding: 8px 12px; border-radius: 4px; }
)";

std::string esc(const std::string& s) { return xml_escape(s); }

std::string read_binary(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(fmt::format("{}: cannot read the picture", path));
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string fmt_value(double v) { return std::isfinite(v) ? fmt::format("{:.4f}", v) : "–"; }

std::string losses_used(const RunData& r) {
  std::string out;
  for (const auto& rec : r.grad_norms) {
    for (const auto& [role, rr] : rec.roles) out += (out.empty() ? "" : " + ") + rr.loss;
    if (!out.empty()) break;
  }
  return out.empty() ? "–" : out;
}

// "12.3 ms per recorded iteration = 0.05 % of training": the recording's own measured cost,
// spread over the interval between records, against the logged step time.
std::string recording_cost(const RunData& r) {
  double ms = 0, step = 0;
  int64_t n = 0, steps = 0;
  for (const auto& g : r.grad_norms) {
    if (g.record_ms >= 0) {
      ms += g.record_ms;
      ++n;
    }
  }
  for (const auto& t : r.train) {
    if (t.time > 0) {
      step += t.time;
      ++steps;
    }
  }
  if (n == 0) return "–";
  ms /= static_cast<double>(n);
  std::string out = fmt::format("{:.1f} ms per record", ms);
  if (steps > 0 && r.grad_norms.size() >= 2) {
    const double every = static_cast<double>(r.grad_norms.back().global_iter - r.grad_norms.front().global_iter) /
                         static_cast<double>(r.grad_norms.size() - 1);
    const double step_ms = 1e3 * step / static_cast<double>(steps);
    if (every > 0 && step_ms > 0) out += fmt::format(" ({:.2f} % of training)", 100.0 * ms / (every * step_ms));
  }
  return out;
}

std::string summary_table(const std::vector<const RunData*>& runs) {
  std::string h = "<table><tr><th class=\"name\">run</th><th class=\"name\">losses</th><th>iterations</th>"
                  "<th>epochs</th><th>last loss</th><th>last lr</th><th>evaluations</th><th>last AP</th>"
                  "<th>gradient records</th><th>recording cost</th></tr>\n";
  for (const auto* r : runs) {
    const TrainPoint* last = r->train.empty() ? nullptr : &r->train.back();
    std::string ap = "–";
    if (!r->val.empty()) {
      const auto& m = r->val.back().metrics;
      for (const char* key : {"bbox_mAP", "mAP"}) {
        if (m.count(key)) ap = fmt::format("{} = {:.4f}", key, m.at(key));
      }
    }
    double loss = NAN;
    if (last && last->losses.count("loss")) loss = last->losses.at("loss");
    h += fmt::format(
        "<tr><td class=\"name\">{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        esc(r->name), esc(losses_used(*r)), last ? std::to_string(last->global_iter) : "–",
        last ? std::to_string(last->epoch) : "–", fmt_value(loss), last ? fmt::format("{:.3g}", last->lr) : "–",
        r->val.size(), esc(ap), r->grad_norms.size(), esc(recording_cost(*r)));
  }
  return h + "</table>\n";
}

std::string per_class_table(const std::vector<const RunData*>& runs) {
  std::vector<std::string> names;
  for (const auto* r : runs)
    if (!r->per_class.empty())
      for (const auto& c : r->per_class.back().classes)
        if (std::find(names.begin(), names.end(), c.name) == names.end()) names.push_back(c.name);
  if (names.empty()) return "";
  std::string h = "<table><tr><th class=\"name\">class</th>";
  for (const auto* r : runs) {
    if (r->per_class.empty()) continue;
    const bool coco = r->per_class.back().metric == "bbox";
    h += fmt::format("<th>{}<br>{}</th>", esc(r->name), coco ? "AP@[.5:.95]" : "AP");
    if (coco) h += fmt::format("<th>{}<br>AP@0.5</th>", esc(r->name));
  }
  h += "</tr>\n";
  for (const auto& n : names) {
    h += "<tr><td class=\"name\">" + esc(n) + "</td>";
    for (const auto* r : runs) {
      if (r->per_class.empty()) continue;
      const auto& rec = r->per_class.back();
      const ClassCurve* c = nullptr;
      for (const auto& cc : rec.classes) if (cc.name == n) c = &cc;
      auto cell = [](const ClassCurve* c, double v) { return c && v >= 0 ? fmt::format("{:.3f}", v) : std::string("–"); };
      h += "<td>" + cell(c, c ? c->ap : -1) + "</td>";
      if (rec.metric == "bbox") h += "<td>" + cell(c, c ? c->ap50 : -1) + "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

std::string figure_html(const Figure& f) {
  return fmt::format("<figure id=\"fig-{0}\">\n{1}<figcaption>{2} <a href=\"plots/{0}.svg\">{0}.svg</a></figcaption>\n</figure>\n",
                     f.id, f.svg, esc(f.caption));
}

std::string pictures_html(const RunData& r, size_t max) {
  if (r.pictures.empty()) {
    return fmt::format("<p class=\"missing\">{}: no pictures in {}/pictures (<code>ghmdet demo</code> writes them; "
                       "or <code>ghmdet test CONFIG CKPT --show-dir {}/pictures</code>).</p>\n",
                       esc(r.name), esc(r.work_dir), esc(r.work_dir));
  }
  std::string h = fmt::format("<h3>{} — {} of {} pictures</h3>\n<div class=\"pictures\">\n", esc(r.name),
                              std::min(max, r.pictures.size()), r.pictures.size());
  for (size_t i = 0; i < r.pictures.size() && i < max; ++i) {
    const auto& p = r.pictures[i];
    std::string ext = fs::path(p).extension().string();
    const std::string mime = (ext == ".png" || ext == ".PNG") ? "image/png" : "image/jpeg";
    h += fmt::format("<figure><img alt=\"{0}\" src=\"data:{1};base64,{2}\"><figcaption>{0}</figcaption></figure>\n",
                     esc(fs::path(p).filename().string()), mime, base64_encode(read_binary(p)));
  }
  return h + "</div>\n";
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw Error(fmt::format("{}: cannot write", path.string()));
}

}  // namespace

ReportResult write_report(const ReportOptions& options) {
  const RunData run = load_run(options.work_dir);
  std::optional<RunData> compare;
  if (!options.compare_dir.empty()) compare = load_run(options.compare_dir);
  const RunData* b = compare ? &*compare : nullptr;
  std::vector<const RunData*> runs{&run};
  if (b) runs.push_back(b);

  const fs::path out = options.out_dir.empty() ? fs::path(options.work_dir) : fs::path(options.out_dir);
  std::error_code ec;
  fs::create_directories(out / "plots", ec);
  if (ec) throw Error(fmt::format("{}: cannot create the report folder: {}", (out / "plots").string(), ec.message()));

  const auto figures = report_figures(run, b);
  ReportResult result;
  for (const auto& f : figures) {
    const fs::path p = out / "plots" / (f.id + ".svg");
    write_text(p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + f.svg);
    result.svg_paths.push_back(p.string());
  }
  auto section = [&](const std::string& name) {
    std::string h;
    for (const auto& f : figures) if (f.section == name) h += figure_html(f);
    return h;
  };

  const std::string title = b ? fmt::format("{} vs {}", run.name, b->name) : run.name;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>GHMDet report — " +
                  esc(title) + "</title>\n<style>" + kCss + "</style></head>\n<body>\n";
  h += "<h1>GHMDet training report — " + esc(title) + "</h1>\n";
  h += b ? "<p class=\"note\">Two runs on the same axes: <b>" + esc(run.name) + "</b> in solid lines, <b>" + esc(b->name) +
               "</b> dashed, the same colour meaning the same level, term or class.</p>\n"
         : "";
  h += summary_table(runs);

  h += "<h2>Gradient norms</h2>\n<p class=\"note\">GHM's premise: the gradient norm g of an element (how far its "
       "prediction is from its target) is distributed very unevenly — a huge number of easy elements with g near 0, "
       "and a small number of outliers near g = 1. GHM-C and GHM-R weight each element by the inverse density of its "
       "g-bin. Recorded every <code>log_config.ghm_stats_interval</code> iterations (ghm_stats.jsonl), per FPN "
       "level.</p>\n";
  const std::string grads = section("gradients");
  h += grads.empty() ? "<p class=\"missing\">No gradient-norm records (ghm_stats.jsonl): train with "
                       "<code>log_config.ghm_stats_interval</code> &gt; 0 (the default is 50).</p>\n"
                     : "<div class=\"grid\">\n" + grads + "</div>\n";

  h += "<h2>Training</h2>\n<div class=\"grid\">\n" + section("training") + "</div>\n";

  h += "<h2>Evaluation</h2>\n";
  const std::string evals = section("evaluation");
  h += evals.empty() ? "<p class=\"missing\">No evaluation during training (add an <code>evaluation</code> section "
                       "or train with <code>--validate</code>).</p>\n"
                     : "<div class=\"grid\">\n" + evals + "</div>\n";
  const std::string table = per_class_table(runs);
  if (!table.empty()) h += "<h3>Per-class AP, last evaluation</h3>\n" + table;

  h += "<h2>Detections</h2>\n";
  for (const auto* r : runs) h += pictures_html(*r, options.max_pictures);
  h += "</body></html>\n";

  result.html_path = (out / "report.html").string();
  write_text(result.html_path, h);
  return result;
}

}  // namespace ghmdet::viz
