export function trackedVisit(url, label) {
  if (window.ga && ga.loaded) {
    ga("send", "event", "navigation", "click", label, { hitCallback: () => Turbo.visit(url) })
  } else {
    Turbo.visit(url)
  }
}
