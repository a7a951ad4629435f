import { Component } from "@angular/core";

@Component({ selector: "app-booking", templateUrl: "./booking.component.html" })
export class BookingComponent {
  message = "";

  book(): void {
    this.api.book(this.slot).subscribe({
      next: () => (this.message = "Your appointment is booked. We have sent a text to confirm it."),
      error: (err) => {
        this.logger.error("booking failed", err);
        this.message = "Unexpected error";
      },
    });
  }
}
