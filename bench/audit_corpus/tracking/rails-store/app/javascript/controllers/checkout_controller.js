import { Controller } from "@hotwired/stimulus"

export default class extends Controller {
  submit(event) {
    event.preventDefault()
    window.dataLayer.push({
      event: "purchase",
      ecommerce: { value: this.element.dataset.total },
      eventCallback: () => this.element.submit(),
    })
  }
}
