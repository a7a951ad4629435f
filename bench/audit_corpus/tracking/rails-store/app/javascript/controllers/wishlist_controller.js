import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  add() {
    fbq("track", "AddToWishlist", { content_ids: [this.element.dataset.sku] })
    this.element.classList.add("is-saved")
  }
}
