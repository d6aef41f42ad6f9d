// Keeps the dashboard's log box on its newest line while it follows, as `tail -f` does — as long as
// the reader is at the end. A reader who scrolled up to read is left where they are until they
// scroll back down. (The box's lines are virtualized: scrolling to the end makes the newest render.)
export function stickToEnd(box) {
  if (!box || box.pnxStickToEnd) {
    return;
  }

  box.pnxStickToEnd = true;

  // "At the end" is judged against the content as it was before the new lines came, and from the
  // live scroll position: a scroll event may arrive only after the lines, too late to say.
  let height = box.scrollHeight;
  new MutationObserver(() => {
    if (height - box.scrollTop - box.clientHeight < 24) {
      box.scrollTop = box.scrollHeight;
    }

    height = box.scrollHeight;
  }).observe(box, { childList: true, subtree: true, characterData: true, attributes: true }); // attributes: the list's spacers grow by style
}
