// packyard's one script (docs/web.md). The CSP is script-src 'self', so the pages carry no
// inline handlers: everything is bound here, from data attributes the server writes.
'use strict';

document.addEventListener('DOMContentLoaded', function () {
  // A destructive form names its question in data-confirm; refusing cancels the submit.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Copy buttons carry their text in data-copy (the page writes it escaped, the DOM unescapes it).
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    const label = button.textContent;
    let timer = 0;
    button.addEventListener('click', function (event) {
      event.preventDefault();
      if (!navigator.clipboard) return; // only on secure origins (https or localhost)
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = 'Copied';
        button.classList.add('copied');
        clearTimeout(timer);
        timer = setTimeout(function () {
          button.textContent = label;
          button.classList.remove('copied');
        }, 1500);
      }, function () { /* refused by the browser: leave the label as it was */ });
    });
  });

  // Filter selects marked data-autosubmit apply at once; the submit button stays for no-JS use.
  document.querySelectorAll('form[data-testid=filters] select[data-autosubmit]').forEach(function (select) {
    select.addEventListener('change', function () {
      const form = select.form;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  });
});
