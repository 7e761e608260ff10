console.log('main ran');
