// Basket interactions. Errors are logged with console.error for developers.
(function () {
  const form = document.querySelector("#basket-form");
  const banner = document.getElementById("basket-banner");

  function show(message) {
    banner.textContent = message;
    banner.hidden = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const response = await fetch(form.action, { method: "POST", body: new FormData(form) });
      if (response.status === 409) {
        show("This book is no longer in stock. We have removed it from your basket.");
        return;
      }
      if (!response.ok) {
        console.error("basket update failed", response.status);
        show("Error " + response.status + ": undefined");
        return;
      }
      show("Your basket has been updated.");
    } catch (err) {
      console.error(err);
      show("Network error. Check your internet connection.");
    }
  });
})();
