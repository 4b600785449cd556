// Fills in the real web form in headless Chromium (Debian's /usr/bin/chromium) like a citizen
// on a small phone would, submits it with a photo, and reads the tracking ID off the page.
//
//   node fill_form.js BASE_URL PHOTO_PATH SCREENSHOT_DIR USER_DATA_DIR
//
// Prints one JSON line: {"tracking_id", "status_text", "invalid_kept", "screenshots": [...]}.
// Exits non-zero with a message on any failure.
const { chromium } = require('playwright-core');
const path = require('path');

async function main() {
  const [base, photo, shots, userDataDir] = process.argv.slice(2);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--disable-quic'],
    viewport: { width: 360, height: 740 },  // a small phone
    locale: 'id-ID',
  });
  const out = { screenshots: [] };
  try {
    const page = context.pages()[0] || await context.newPage();
    await page.goto(base + '/', { waitUntil: 'load' });
    if ((await page.getAttribute('html', 'lang')) !== 'id') throw new Error('the form is not lang="id"');
    // The form works by its labels (what a screen reader announces), not by CSS selectors.
    await page.getByLabel('Judul laporan').fill('Jalan rusak di Jl. Ahmad Yani');
    await page.getByLabel('Isi laporan (wajib)').fill('Jalan rusak parah di Jl. Ahmad Yani km 5, sudah 3 bulan tidak diperbaiki. Banyak pengendara jatuh.');
    await page.getByLabel('Lokasi kejadian').fill('Sampit, Kotawaringin Timur');
    await page.getByLabel('Pengaduan').check();
    await page.getByLabel('Nama').fill('Siti Rahma');
    await page.getByLabel('Nomor HP').fill('0812-3456-7003');
    await page.getByLabel('Anonim').check();
    await page.getByLabel('Foto pendukung').setInputFiles(photo);
    const formShot = path.join(shots, 'web-form.png');
    await page.screenshot({ path: formShot, fullPage: true });
    out.screenshots.push(formShot);
    // No horizontal scrolling on a 360 px screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) throw new Error('the form scrolls sideways by ' + overflow + ' px on a small screen');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Kirim laporan' }).click()]);
    out.tracking_id = (await page.textContent('#tracking-id')).trim();
    const successShot = path.join(shots, 'web-success.png');
    await page.screenshot({ path: successShot, fullPage: true });
    out.screenshots.push(successShot);
    // Follow the link to the status page.
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('link', { name: 'Lihat status laporan' }).click()]);
    out.status_text = await page.textContent('main');
    const statusShot = path.join(shots, 'web-status.png');
    await page.screenshot({ path: statusShot, fullPage: true });
    out.screenshots.push(statusShot);
    // An invalid form comes back with the error beside the field and the text kept.
    await page.goto(base + '/', { waitUntil: 'load' });
    await page.getByLabel('Judul laporan').fill('Judul tanpa isi');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Kirim laporan' }).click()]);
    out.invalid_kept = await page.inputValue('#f-title');
    out.body_error = (await page.textContent('#e-body')) || '';
    const errorShot = path.join(shots, 'web-form-errors.png');
    await page.screenshot({ path: errorShot, fullPage: true });
    out.screenshots.push(errorShot);
  } finally {
    await context.close();
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
