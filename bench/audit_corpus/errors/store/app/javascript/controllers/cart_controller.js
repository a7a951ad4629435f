import { Controller } from "@hotwired/stimulus";

export default class extends Controller {
  static targets = ["count", "error"];

  async add(event) {
    const response = await fetch(event.params.url, { method: "POST" });
    if (response.status >= 500) {
      this.errorTarget.textContent = "Failed";
      return;
    }
    if (response.status === 422) {
      this.errorTarget.textContent = "This item is out of stock.";
      return;
    }
    this.countTarget.textContent = String(Number(this.countTarget.textContent) + 1);
  }
}
