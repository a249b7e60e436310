/* erpsync mapping editor: adding rows, the outbound action fields, the local category filter, the marketplace
   category search (a click fills the field being edited), "tick all" of the suggestions. No framework. */
(function () {
  "use strict";

  // "+ a code": a copy of the table's <template id="<table id>-row"> with the next free row number.
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var table = document.getElementById(button.getAttribute("data-add-row"));
      var template = document.getElementById(button.getAttribute("data-add-row") + "-row");
      var body = table.querySelector("tbody");
      var next = parseInt(body.getAttribute("data-next") || "0", 10);
      body.setAttribute("data-next", String(next + 1));
      var holder = document.createElement("tbody");
      holder.innerHTML = template.innerHTML.replace(/__i__/g, String(next));
      var row = holder.firstElementChild;
      body.appendChild(row);
      var first = row.querySelector("input, select");
      if (first) { first.focus(); }
    });
  });

  // An outbound action: the status, reason, comment and waybill fields only count when the action is "set".
  function showAction(select) {
    var row = select.closest("tr");
    var active = select.value === "action";
    row.querySelectorAll("[data-action-field]").forEach(function (cell) {
      cell.classList.toggle("erpsync-inactive", !active);
    });
  }
  document.querySelectorAll("[data-action-mode]").forEach(function (select) {
    showAction(select);
    select.addEventListener("change", function () { showAction(select); });
  });

  // Local categories: show the rows whose path holds the typed text.
  var filter = document.getElementById("local-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var text = filter.value.trim().toLowerCase();
      document.querySelectorAll("#categories tbody tr[data-path]").forEach(function (row) {
        row.style.display = !text || row.getAttribute("data-path").toLowerCase().indexOf(text) >= 0 ? "" : "none";
      });
    });
  }

  // The marketplace's categories, searched; a click puts the code into the field last focused on the left.
  var panel = document.getElementById("category-search");
  var query = document.getElementById("category-query");
  if (panel && query) {
    var target = null;
    var label = document.getElementById("category-target-label");
    var results = document.getElementById("category-results");
    document.addEventListener("focusin", function (event) {  // rows added later count too
      var input = event.target;
      if (!input.matches || !input.matches("[data-category-target]")) { return; }
      if (target) { target.closest("tr").classList.remove("erpsync-target"); }
      target = input;
      input.closest("tr").classList.add("erpsync-target");
      label.textContent = input.getAttribute("aria-label");
      if (!query.value && input.closest("tr").getAttribute("data-path")) {
        var path = input.closest("tr").getAttribute("data-path").split(" / ");
        query.value = path[path.length - 1];
        search();
      }
    });
    var timer = null;
    function search() {
      var url = panel.getAttribute("data-url") + "?marketplace=" + encodeURIComponent(panel.getAttribute("data-marketplace")) +
        "&q=" + encodeURIComponent(query.value);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (found) {
          results.innerHTML = "";
          found.categories.forEach(function (category) {
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = "#";
            link.className = "erpsync-result";
            link.setAttribute("data-code", category.code);
            link.textContent = category.title;
            var code = document.createElement("code");
            code.textContent = " " + category.code;
            var path = document.createElement("div");
            path.className = "erpsync-help";
            path.textContent = category.path + (category.leaf ? "" : " ▸");
            link.addEventListener("click", function (event) {
              event.preventDefault();
              if (target) {
                target.value = category.code;
                target.closest("tr").classList.add("erpsync-changed");
              }
            });
            item.appendChild(link);
            item.appendChild(code);
            item.appendChild(path);
            results.appendChild(item);
          });
        });
    }
    query.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    search();
  }

  var tickAll = document.getElementById("tick-all");
  if (tickAll) {
    tickAll.addEventListener("change", function () {
      document.querySelectorAll("#suggestions tbody input[type=checkbox]").forEach(function (box) {
        box.checked = tickAll.checked;
      });
    });
  }
})();
